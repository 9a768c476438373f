package e2e

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/platform"
	"golang.org/x/sys/unix"
)

// endpointCounterRules count, at the server's uplink, what arrives from the
// client's LAN addresses other than WireGuard messages to the WireGuard
// port (a message starts with its type, 1 to 4, and three zero bytes).
// Link-local sources are not counted: the client's never cross the LAN
// router, and the router's own on the server's link (its MLD reports for
// a link just up) counted one "leak" in a CI run.
const endpointCounterRules = `table inet palep {
	counter outside4 {}
	counter outside6 {}
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		iifname "eth0" udp dport 51820 @th,64,32 { 0x01000000, 0x02000000, 0x03000000, 0x04000000 } return
		iifname "eth0" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } return
		iifname "eth0" ip saddr 192.168.50.0/24 counter name outside4
		iifname "eth0" ip6 saddr { 2001:db8:50::/64, fd50::/64 } counter name outside6
	}
}
`

// probeServerDoors sends, from the client, TCP and UDP to the WireGuard
// port and another port of each of the server's addresses, and a ping, all
// from sockets bound to the physical interface, and TCP from a socket with
// the WireGuard mark (root, as a program stepping around the tunnel would).
func probeServerDoors(t *testing.T, bed *testbed.Bed) {
	t.Helper()
	bound := sockopt(unix.SO_BINDTODEVICE, 0, "eth0")
	marked := sockopt(unix.SO_MARK, platform.FwMark, "")
	for _, server := range []netip.Addr{testbed.ServerIPv4, testbed.ServerIPv6} {
		probes := []struct {
			d       net.Dialer
			network string
			port    uint16
		}{
			{bound, "tcp", testbed.WireGuardPort}, {bound, "tcp", testbed.HTTPPort},
			{bound, "udp", testbed.WireGuardPort}, {bound, "udp", testbed.EchoPort},
			{marked, "tcp", testbed.WireGuardPort}, {marked, "tcp", testbed.HTTPPort},
		}
		for _, p := range probes {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			bed.ProbeWith(ctx, p.d, p.network, netip.AddrPortFrom(server, p.port))
			cancel()
		}
		bed.Exec(testbed.RoleClient, "ping", "-n", "-c1", "-W1", "-I", "eth0", server.String())
	}
}

// TestEndpointOnlyForTheTunnel: the kill switch's endpoint exception lets
// only the service's own WireGuard socket reach the server's address outside
// the tunnel, as Mullvad's does. Other ports, TCP, a datagram that is not a
// WireGuard message to the WireGuard port, ICMP, and TCP carrying the
// WireGuard mark, bound to the physical interface so the tunnel's routes do
// not take them, must not reach the server's uplink; with an IPv4 and then
// an IPv6 endpoint, probing both of the server's addresses each time. The
// control, kill switch off, shows the same probes arriving.
func TestEndpointOnlyForTheTunnel(t *testing.T) {
	n := start(t, testbed.Options{})
	if err := n.bed.LoadNFT(testbed.RoleServer, endpointCounterRules); err != nil {
		t.Fatal(err)
	}
	count := func() map[string]uint64 {
		t.Helper()
		c, err := n.bed.Counters(testbed.RoleServer, "inet", "palep")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, v6 := range []bool{false, true} {
		n.importProfile(t, "bed", testbed.ProfileOptions{EndpointIPv6: v6})
		n.connect(t, "bed")
		if err := n.bed.ResetCounters(testbed.RoleServer, "inet", "palep"); err != nil {
			t.Fatal(err)
		}
		probeServerDoors(t, n.bed)
		if c := count(); c["outside4"]+c["outside6"] != 0 {
			t.Errorf("endpoint IPv6 %v, kill switch auto: packets other than WireGuard's reached the server outside the tunnel: %v", v6, c)
		}
		mustCLI(t, n, "disconnect")
	}
	// The control: kill switch off, connected, the bound probes leave.
	mustCLI(t, n, "set", "killswitch", "off")
	n.connect(t, "bed")
	if err := n.bed.ResetCounters(testbed.RoleServer, "inet", "palep"); err != nil {
		t.Fatal(err)
	}
	probeServerDoors(t, n.bed)
	c := count()
	for deadline := time.Now().Add(10 * time.Second); (c["outside4"] == 0 || c["outside6"] == 0) && time.Now().Before(deadline); c = count() {
		time.Sleep(100 * time.Millisecond)
	}
	if c["outside4"] == 0 || c["outside6"] == 0 {
		t.Errorf("kill switch off: the bound probes did not reach the server, the check above could not fail: %v", c)
	}
}
