package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// A reboot with kill switch always leaves no nftables table: the service
// started afterwards must block before anything slower it does at start.
// The daemon is killed while connected (so the next start has leftovers to
// clean up: the journaled resolv.conf), the table is deleted as a boot
// starts without it, and the new daemon's log must show the early block
// before the cleanup and before it serves the API; the table is back and
// the service reconnects with the kill switch engaged.
func TestAlwaysBlocksFirstAtStart(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	n.connect(t, "bed")
	n.daemon.Kill()
	if out, err := n.bed.Exec(testbed.RoleClient, "nft", "delete", "table", "inet", "palisade"); err != nil {
		t.Fatalf("nft delete table: %v: %s", err, out)
	}
	if left := leftovers(t, n); strings.Contains(left, "firewall") {
		t.Fatalf("the table survived its deletion: %s", left)
	}
	n.launch(t)
	var log string
	waitFor(t, 15*time.Second, "the daemon's start logged through ready", func() bool {
		log = n.daemonLog()
		return strings.Contains(log, "palisaded ready")
	})
	early := strings.Index(log, "kill switch always: traffic blocked before the rest of the start")
	cleanup := strings.Index(log, "sysdns: restored resolv.conf")
	ready := strings.Index(log, "palisaded ready")
	if early < 0 || cleanup < 0 || early > cleanup || early > ready {
		t.Fatalf("early block at %d, cleanup at %d, ready at %d; want the block first:\n%s", early, cleanup, ready, log)
	}
	if left := leftovers(t, n); !strings.Contains(left, "firewall") {
		t.Errorf("after the start: %s, want the table back", left)
	}
	st := n.waitState(t, ipc.Connected, 40*time.Second)
	if !st.KillSwitchEngaged {
		t.Errorf("reconnected with always, but the kill switch is not engaged: %+v", st)
	}
}
