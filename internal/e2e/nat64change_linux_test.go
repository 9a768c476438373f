package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// dropLANDNS makes the LAN router's DNS64 resolver silent (queries
// dropped, as on a network whose DNS is not up yet); undo restores it.
func dropLANDNS(t *testing.T, b *testbed.Bed) (undo func()) {
	t.Helper()
	rules := "table inet palnodns {\n chain in {\n  type filter hook input priority filter - 1; policy accept;\n  meta l4proto { udp, tcp } th dport 53 drop\n }\n}\n"
	if out, err := b.Exec(testbed.RoleLAN, "sh", "-c", "printf '"+rules+"' | nft -f -"); err != nil {
		t.Fatalf("drop the LAN's DNS: %v: %s", err, out)
	}
	return func() {
		if out, err := b.Exec(testbed.RoleLAN, "nft", "delete", "table", "inet", "palnodns"); err != nil {
			t.Errorf("restore the LAN's DNS: %v: %s", err, out)
		}
	}
}

// Connected through NAT64 on an IPv6-only LAN, the network changes (a new
// address on the client's link) while the LAN's DNS64 does not answer:
// the NAT64 discovery that follows gets no answer, and the working session
// is kept on its synthesized address, both families still flowing through
// the tunnel, instead of reconnecting without NAT64 (which cannot work).
// Once the DNS answers again the discovery finds the same prefix and
// nothing moves.
func TestNAT64RediscoveryFailureKeepsSession(t *testing.T) {
	n := start(t, ipv6OnlyLAN)
	n.importProfile(t, "v4server", testbed.ProfileOptions{})
	st := n.connect(t, "v4server")
	checkViaNAT64(t, st)
	want := st.Endpoint
	undo := dropLANDNS(t, n.bed)
	if out, err := n.bed.Exec(testbed.RoleClient, "ip", "addr", "add", "2001:db8:50::99/64", "dev", "eth0", "nodad"); err != nil {
		t.Fatalf("network change: %v: %s", err, out)
	}
	// The discovery after the change gives up after the lookup timeout
	// (10 s); the session must stay through it and the retries after.
	const kept = "NAT64 discovery got no answer: keeping the endpoint in use"
	deadline := time.Now().Add(40 * time.Second)
	for strings.Count(n.daemonLog(), kept) < 2 {
		st, err := n.client.Status(t.Context())
		if err != nil || st.State != ipc.Connected || st.Endpoint != want {
			t.Fatalf("after a network change without DNS: %s at %q (%v), want connected at %s\n%s", st.State, st.Endpoint, err, want, n.daemonLog())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two kept-session decisions within 40 s:\n%s", n.daemonLog())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for addr, via := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
		if seen, err := n.probeSeen(t, addr); err != nil || seen != via.String() {
			t.Errorf("with the DNS silent, %s through the tunnel: seen %q, %v", addr, seen, err)
		}
	}
	undo()
	waitFor(t, 90*time.Second, "the prefix discovered again", func() bool {
		return strings.Count(n.daemonLog(), "NAT64 prefix discovered (RFC 7050)") >= 2
	})
	if st, err := n.client.Status(t.Context()); err != nil || st.State != ipc.Connected || st.Endpoint != want {
		t.Errorf("after the DNS came back: %s at %q (%v), want connected at %s", st.State, st.Endpoint, err, want)
	}
}
