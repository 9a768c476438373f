package e2e

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// deadPeer makes the server drop every WireGuard packet (dead) or accept
// them again: the peer stays configured and its address reachable, only
// the handshakes stop, as with a hung or overloaded server.
func deadPeer(t *testing.T, b *testbed.Bed, dead bool) {
	t.Helper()
	args := []string{"nft", "delete", "table", "inet", "paldead"}
	if dead {
		args = []string{"nft", "add table inet paldead; add chain inet paldead in { type filter hook input priority -300; }; add rule inet paldead in udp dport 51820 drop"}
	}
	if out, err := b.Exec(testbed.RoleServer, args...); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// TestDeadPeerNoFallback stops the server's handshakes while connected and
// probes both families without pause through the stale handshake, the
// Reconnecting state and two rounds of re-arming: the tunnel is kept, so
// traffic never falls back to the physical network, with the kill switch
// auto and with it off (routes alone). The tunnel works again once the
// server answers.
func TestDeadPeerNoFallback(t *testing.T) {
	n := start(t, testbed.Options{}, daemonArgs...)
	outsideBaseline(t, n.bed)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	for _, mode := range []string{"auto", "off"} {
		mustCLI(t, n, "set", "killswitch", mode)
		s := startSweep(t, n.bed)
		deadPeer(t, n.bed, true)
		// Stale after 6 s, then two re-arms at --handshake-timeout 4s.
		time.Sleep(16 * time.Second)
		s.noLeak(t, "kill switch "+mode+", dead peer")
		if st, err := n.client.Status(t.Context()); err != nil || st.State != ipc.Reconnecting {
			t.Errorf("kill switch %s: status %s (%v) with the server dropping handshakes, want reconnecting", mode, st.State, err)
		}
		deadPeer(t, n.bed, false)
		n.waitState(t, ipc.Connected, 40*time.Second)
		tunnelWorks(t, n, "the server answered again")
	}
}
