package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// A reboot leaves no nftables table: with kill switch always, or auto
// armed by a session the user did not end, the service started afterwards
// must block before anything slower it does at start. For each, the
// daemon is killed while connected (so the next start has leftovers to
// clean up: the journaled resolv.conf), the table is deleted as a boot
// starts without it, and the new daemon's log must show the early block
// before the cleanup and before it serves the API; the table is back and
// the service reconnects with the kill switch engaged.
func TestAlwaysBlocksFirstAtStart(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	for _, mode := range []string{"always", "auto"} {
		mustCLI(t, n, "set", "killswitch", mode)
		n.connect(t, "bed")
		n.daemon.Kill()
		if out, err := n.bed.Exec(testbed.RoleClient, "nft", "delete", "table", "inet", "palisade"); err != nil {
			t.Fatalf("%s: nft delete table: %v: %s", mode, err, out)
		}
		if left := leftovers(t, n); strings.Contains(left, "firewall") {
			t.Fatalf("%s: the table survived its deletion: %s", mode, left)
		}
		n.launch(t)
		var log string
		waitFor(t, 15*time.Second, "the daemon's start logged through ready", func() bool {
			log = n.daemonLog()
			return strings.Contains(log, "palisaded ready")
		})
		early := strings.Index(log, "kill switch: traffic blocked before the rest of the start")
		cleanup := strings.Index(log, "sysdns: restored resolv.conf")
		ready := strings.Index(log, "palisaded ready")
		if early < 0 || cleanup < 0 || early > cleanup || early > ready {
			t.Fatalf("%s: early block at %d, cleanup at %d, ready at %d; want the block first:\n%s", mode, early, cleanup, ready, log)
		}
		if left := leftovers(t, n); !strings.Contains(left, "firewall") {
			t.Errorf("%s: after the start: %s, want the table back", mode, left)
		}
		st := n.waitState(t, ipc.Connected, 40*time.Second)
		if !st.KillSwitchEngaged {
			t.Errorf("%s: reconnected, but the kill switch is not engaged: %+v", mode, st)
		}
	}
}
