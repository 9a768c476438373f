package e2e

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"golang.org/x/net/ipv6"
)

// hostileLAN readies the LAN router to take what a client sends to the
// internet host on the link: it answers ARP and neighbour solicitations
// for it (proxy ARP/NDP) and forwards, so a packet that leaves on the LAN
// reaches internet and is counted outside the tunnel.
func hostileLAN(t *testing.T, bed *testbed.Bed) {
	t.Helper()
	if out, err := bed.Exec(testbed.RoleLAN, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0",
		"net.ipv4.conf.lan0.rp_filter=0", "net.ipv4.conf.lan0.proxy_arp=1", "net.ipv6.conf.lan0.proxy_ndp=1"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ipBatch(t, bed, testbed.RoleLAN, []string{"-6 neigh add proxy " + testbed.InternetIPv6.String() + " dev lan0"})
}

// advertiseOnLink has the LAN router send a router advertisement making
// prefixes on-link (prefix information options, L flag) and waits,
// bounded, until the client's table has a route for each of them on eth0.
func advertiseOnLink(t *testing.T, bed *testbed.Bed, autonomous bool, ps ...netip.Prefix) {
	t.Helper()
	var infos []testbed.PrefixInfo
	for _, p := range ps {
		infos = append(infos, testbed.PrefixInfo{Prefix: p, Autonomous: autonomous, Lifetime: time.Hour})
	}
	ra := testbed.HostileAdvertisement(nil, infos)
	if err := testbed.SendND(bed.Namespace(testbed.RoleLAN), "lan0", netip.MustParseAddr("ff02::1"), ipv6.ICMPTypeRouterAdvertisement, ra); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		waitFor(t, 20*time.Second, p.String()+" on-link on the client", func() bool {
			out, err := bed.Exec(testbed.RoleClient, "ip", "-6", "route", "show", p.String())
			return err == nil && strings.Contains(string(out), "dev eth0")
		})
	}
}

// sweepFor probes without pause until at least minProbes were sent (bounded
// by within), so the checks after it rest on a known amount of traffic.
func (s *sweep) sweepFor(t *testing.T, minProbes int64, within time.Duration) {
	t.Helper()
	waitFor(t, within, "the sweep's probes", func() bool { return s.probes.Load() >= minProbes })
}

// TestOnLinkHalvesNoLeak is IPv6 TunnelVision by prefix information: a
// rogue router announces ::/1 and 8000::/1 on-link (no route information
// option needed, every host takes prefix information), which puts all of
// IPv6 on the LAN link ahead of the tunnel (main's /1 routes survive
// suppress_prefixlength 0). The IPv4 twin is a rogue DHCP server's
// classless static routes 0.0.0.0/1 and 128.0.0.0/1 with router 0.0.0.0,
// which a DHCP client installs as on-link routes. With the default
// settings (kill switch auto, allow-LAN on) nothing may reach internet
// outside the tunnel, nor with kill switch always while disconnected:
// allow-LAN opens the link's own prefixes, and no link holds half of the
// address space. The control, disconnected with auto, shows
// the routes take the probes to the LAN router, which hands them on. With
// the kill switch off and an IPv4-only tunnel the always-on IPv6 block
// must hold as well.
func TestOnLinkHalvesNoLeak(t *testing.T) {
	n := start(t, testbed.Options{})
	hostileLAN(t, n.bed)
	advertiseOnLink(t, n.bed, false, netip.MustParsePrefix("::/1"), netip.MustParsePrefix("8000::/1"))
	ipBatch(t, n.bed, testbed.RoleClient, []string{"route add 0.0.0.0/1 dev eth0", "route add 128.0.0.0/1 dev eth0"})

	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	s := startSweep(t, n.bed)
	s.sweepFor(t, 200, 60*time.Second)
	s.noLeak(t, "connected, kill switch auto, ::/1, 8000::/1, 0.0.0.0/1 and 128.0.0.0/1 on-link")

	// Kill switch always holds the same while disconnected.
	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "disconnect")
	n.waitState(t, "disconnected", 30*time.Second)
	s = startSweep(t, n.bed)
	s.sweepFor(t, 200, 60*time.Second)
	s.noLeak(t, "disconnected, kill switch always, the halves on-link")

	mustCLI(t, n, "set", "killswitch", "auto")
	s = startSweep(t, n.bed)
	if c := s.seenOutside(t, 30*time.Second); c["ipv4"] == 0 || c["ipv6"] == 0 {
		t.Errorf("disconnected, the on-link halves took no probe to the LAN: %v", c)
	}

	// Kill switch off, IPv4-only tunnel: the always-on IPv6 block holds
	// too (IPv4 is the routes' alone, and the rogue ones win: documented).
	mustCLI(t, n, "set", "killswitch", "off")
	n.importProfile(t, "bed", testbed.ProfileOptions{IPv4Only: true})
	n.connect(t, "bed")
	s = startSweep(t, n.bed)
	s.sweepFor(t, 200, 60*time.Second)
	if c, probes := s.outside(t); c["ipv6"]+c["ipv6/dns"] != 0 {
		t.Errorf("kill switch off, IPv4-only tunnel, the halves on-link: %d probes, IPv6 reached internet outside the tunnel: %v", probes, c)
	} else {
		t.Logf("kill switch off, IPv4-only tunnel, the halves on-link: %d probes, outside the tunnel %v (IPv4 documented)", probes, c)
	}
}

// TestTunnelResolverOnLinkNotAskedOverLAN: a hostile LAN numbers itself
// inside the provider's resolver network: its DHCP server leases the
// client 10.64.0.99/24 and its router announces fd64::/64 on-link, and
// the router owns 10.64.0.1 and fd64::1, the addresses the profile's DNS=
// names. With the default DNS mode (the profile's servers, reached through
// the tunnel) and allow-LAN on, not one query may reach the LAN: the
// profile's resolver is the provider's, however the LAN is numbered.
// Each family runs with a profile of that family alone, so its resolver
// is the one asked.
func TestTunnelResolverOnLinkNotAskedOverLAN(t *testing.T) {
	n := start(t, testbed.Options{})
	ipBatch(t, n.bed, testbed.RoleLAN, []string{
		"addr add " + testbed.TunnelServerIPv4.String() + "/32 dev lan0",
		"addr add " + testbed.TunnelServerIPv6.String() + "/128 dev lan0 nodad",
	})
	ipBatch(t, n.bed, testbed.RoleClient, []string{"addr add 10.64.0.99/24 dev eth0"})
	advertiseOnLink(t, n.bed, true, netip.MustParsePrefix("fd64::/64"))
	lanQueries := lanDNSCounters(t, n, testbed.TunnelServerIPv4, testbed.TunnelServerIPv6)
	for _, c := range []struct {
		profile  testbed.ProfileOptions
		up       netip.Addr
		qtype    string
		tunnelIP netip.Addr
	}{
		{testbed.ProfileOptions{IPv4Only: true}, testbed.TunnelServerIPv4, "A", testbed.TunnelNameIPv4},
		{testbed.ProfileOptions{IPv6Only: true}, testbed.TunnelServerIPv6, "AAAA", testbed.TunnelNameIPv6},
	} {
		n.importProfile(t, "bed", c.profile)
		n.connect(t, "bed")
		// tunnel.test exists only on the tunnel's server; every name asked
		// is new, so the resolver's cache answers none of them.
		for i := range 3 {
			n.dig(t, "@127.80.73.65", fmt.Sprintf("q%d-%s.%s", i, c.qtype, testbed.ProbeName), c.qtype)
		}
		if got := n.dig(t, "@127.80.73.65", testbed.TunnelName, c.qtype); got != c.tunnelIP.String() {
			t.Errorf("resolver %s: %s %s = %q, want %s from the tunnel's server", c.up, testbed.TunnelName, c.qtype, got, c.tunnelIP)
		}
		if got := lanQueries(c.up); got != 0 {
			t.Errorf("%d queries for the profile's resolver %v reached the LAN", got, c.up)
		}
		mustCLI(t, n, "disconnect")
	}
	// The control: the LAN really does own the resolvers' addresses on
	// the client's link, so a query that took the on-link route would
	// have been counted.
	for _, a := range []netip.Addr{testbed.TunnelServerIPv4, testbed.TunnelServerIPv6} {
		before := lanQueries(a)
		n.bed.Exec(testbed.RoleClient, "dig", "+time=1", "+tries=1", "@"+a.String(), testbed.ProbeName)
		deadline := time.Now().Add(10 * time.Second)
		for lanQueries(a) == before && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if lanQueries(a) == before {
			t.Errorf("disconnected, a query to %v did not reach the LAN router: the check above could not fail", a)
		}
	}
}
