package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"golang.org/x/sys/unix"
)

// netEvent changes the client's network the way a real one changes under a
// connected VPN: ip batches for the client and for the LAN router.
type netEvent struct {
	name        string
	lan, client []string
}

// netEvents are run in order on one bed; each leaves the client with a
// working default route of each family.
var netEvents = []netEvent{
	{name: "link down and up", client: []string{
		"link set eth0 down", "link set eth0 up",
		// IPv6 addresses go with the link (keep_addr_on_down=0); SLAAC
		// would bring them back.
		"addr replace fd50::2/64 dev eth0 nodad", "addr replace 2001:db8:50::2/64 dev eth0 nodad",
		"route replace default via 192.168.50.1", "route replace default via 2001:db8:50::1",
	}},
	{name: "IPv4 renumbered", lan: []string{"addr add 192.168.60.1/24 dev lan0"}, client: []string{
		"addr del 192.168.50.2/24 dev eth0", "addr add 192.168.60.2/24 dev eth0",
		"route replace default via 192.168.60.1",
	}},
	{name: "IPv6 address replaced (new SLAAC prefix)", lan: []string{"addr add 2001:db8:51::1/64 dev lan0 nodad"}, client: []string{
		"addr del 2001:db8:50::2/64 dev eth0", "addr add 2001:db8:51::2/64 dev eth0 nodad",
		"route replace default via 2001:db8:51::1 dev eth0",
	}},
	{name: "docker-like bridge appears", client: []string{
		"link add palbr0 type bridge", "addr add 172.17.0.1/16 dev palbr0",
		"addr add fd17::1/64 dev palbr0 nodad", "link set palbr0 up",
	}},
	{name: "second link takes the default routes", lan: []string{
		"addr add 192.168.70.1/24 dev lan1", "addr add 2001:db8:70::1/64 dev lan1 nodad", "link set lan1 up",
	}, client: []string{
		"addr add 192.168.70.2/24 dev eth1", "addr add 2001:db8:70::2/64 dev eth1 nodad", "link set eth1 up",
		// The bed's IPv4 default route has metric 0: it moves to 100 first.
		"route del default via 192.168.60.1 dev eth0",
		"route add default via 192.168.60.1 dev eth0 metric 100",
		"route add default via 192.168.70.1 dev eth1 metric 0",
		"route add default via 2001:db8:70::1 dev eth1 metric 1",
	}},
}

// ipBatch runs ip commands in role's namespace, failing t on error.
func ipBatch(t *testing.T, b *testbed.Bed, role string, cmds []string) {
	t.Helper()
	for _, c := range cmds {
		if out, err := b.Exec(role, append([]string{"ip"}, strings.Fields(c)...)...); err != nil {
			t.Fatalf("%s: ip %s: %v: %s", role, c, err, out)
		}
	}
}

// tunnelWorks waits, bounded, until both families reach internet through
// the tunnel again.
func tunnelWorks(t *testing.T, n *node, after string) {
	t.Helper()
	for _, a := range []struct{ inet, server netip.Addr }{
		{testbed.InternetIPv4, testbed.ServerIPv4}, {testbed.InternetIPv6, testbed.ServerIPv6},
	} {
		waitFor(t, 40*time.Second, fmt.Sprintf("%s through the tunnel after %s", a.inet, after), func() bool {
			seen, err := n.probeSeen(t, a.inet)
			return err == nil && seen == a.server.String()
		})
	}
}

// TestNetworkChangesNoLeak changes the physical network under a connected
// tunnel (kill switch auto, allow-LAN on), and under one still connecting
// to a server that does not answer (kill switch always), while both
// families are probed without pause: the link goes down and up, the IPv4
// address is renumbered, the IPv6 address moves to a new prefix, a
// docker-like bridge appears, and a second link takes over the default
// routes with lower metrics. Nothing may reach internet outside the
// tunnel, from any address or link; connected, the tunnel must carry both
// families again after each change.
//
// Connected, the tunnel's routes alone keep the plain probes in (they
// pass with the kill switch off too), so a third run probes from sockets
// bound to the physical links, which the routes do not steer: only the
// firewall keeps those in, and its control turns the kill switch off and
// sees them leave.
func TestNetworkChangesNoLeak(t *testing.T) {
	for _, phase := range []string{"connected", "connecting", "bound"} {
		t.Run(phase, func(t *testing.T) { networkChanges(t, phase == "connecting", phase == "bound") })
	}
}

// boundProbe sends one probe of a kind and family to internet from a
// socket bound to each physical link of the client (SO_BINDTODEVICE), as
// a program aiming around the tunnel would; ICMP from a raw socket.
func boundProbe(b *testbed.Bed, kind string, family int) {
	addr, echo := testbed.InternetIPv4, ip4(netip.IPv4Unspecified(), testbed.InternetIPv4, protoICMP, 0, 0, false, icmpMsg(8, 0, 1, []byte("probe")))
	if family == 6 {
		addr, echo = testbed.InternetIPv6, ip6(testbed.ClientIPv6, testbed.InternetIPv6, protoICMPv6, 64, icmpMsg(128, 0, 1, []byte("probe")))
	}
	for _, dev := range []string{"eth0", "eth1"} {
		d := sockopt(unix.SO_BINDTODEVICE, 0, dev)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		switch kind {
		case "tcp":
			b.ProbeWith(ctx, d, "tcp", netip.AddrPortFrom(addr, testbed.HTTPPort))
		case "udp":
			b.ProbeWith(ctx, d, "udp", netip.AddrPortFrom(addr, testbed.EchoPort))
		case "icmp":
			b.Do(testbed.RoleClient, func() error { return sendRaw(dev, [][]byte{echo}) })
		case "dns":
			askDNS(b, d, "udp", netip.AddrPortFrom(addr, testbed.DNSPort))
		}
		cancel()
	}
}

func networkChanges(t *testing.T, connecting, bound bool) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	// The second link exists from the start, down, so the event only
	// addresses it; a veth peer cannot be created from inside the client.
	out, err := bed.Exec(testbed.RoleLAN, "ip", "link", "add", "lan1", "type", "veth", "peer", "name", "eth1", "netns", bed.Namespace(testbed.RoleClient))
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	outsideBaseline(t, bed)
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	if connecting {
		mustCLI(t, n, "set", "killswitch", "always")
		bed.StopServer()
		mustCLI(t, n, "connect", "bed")
	} else {
		n.connect(t, "bed")
	}
	sweepNow := func() *sweep { return startSweep(t, bed) }
	if bound {
		sweepNow = func() *sweep {
			return startSweepWith(t, bed, func(kind string, fam int) { boundProbe(bed, kind, fam) })
		}
	}
	for _, ev := range netEvents {
		s := sweepNow()
		time.Sleep(300 * time.Millisecond)
		ipBatch(t, bed, testbed.RoleLAN, ev.lan)
		ipBatch(t, bed, testbed.RoleClient, ev.client)
		// The daemon re-renders within a second of a change; probe past it.
		time.Sleep(2 * time.Second)
		if !connecting {
			tunnelWorks(t, n, ev.name)
		} else if st, err := n.client.Status(t.Context()); err != nil || st.State == ipc.Connected || st.State == ipc.Disconnected {
			t.Errorf("%s: state %s (%v), want still trying to connect", ev.name, st.State, err)
		}
		s.noLeak(t, ev.name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := bed.ProbePing(ctx, netip.MustParseAddr("192.168.70.1")); err != nil {
		t.Errorf("allow-LAN: the second link's router is not reachable: %v", err)
	}
	if bound {
		// The control: the kill switch off, still connected, the bound
		// probes leave by the links, and the counters see them.
		mustCLI(t, n, "set", "killswitch", "off")
		s := sweepNow()
		waitFor(t, 20*time.Second, "the bound probes leaving with the kill switch off", func() bool {
			c, err := bed.OutsideCounts()
			return err == nil && c["ipv4"] > 0 && c["ipv6"] > 0
		})
		s.halt()
		return
	}
	// The control: disconnected, the same probes leave by the second link
	// with its addresses, and the counters see them.
	mustCLI(t, n, "set", "killswitch", "auto")
	mustCLI(t, n, "disconnect")
	s := startSweep(t, bed)
	if c := s.seenOutside(t, 30*time.Second); c["ipv4"] == 0 || c["ipv6"] == 0 {
		t.Errorf("disconnected, the counters saw no probe from the second link: %v", c)
	}
}
