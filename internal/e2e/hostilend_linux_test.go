package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"golang.org/x/net/ipv6"
)

// clientLinkLocal returns the client's link-local address on eth0.
func clientLinkLocal(t *testing.T, b *testbed.Bed) netip.Addr {
	t.Helper()
	out, err := b.Exec(testbed.RoleClient, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link")
	if err != nil {
		t.Fatal(err)
	}
	for f := range strings.FieldsSeq(string(out)) {
		if p, err := netip.ParsePrefix(f); err == nil && p.Addr().IsLinkLocalUnicast() {
			return p.Addr()
		}
	}
	t.Fatalf("no link-local address on the client's eth0: %s", out)
	return netip.Addr{}
}

// TestHostileRouterMessagesNoLeak has a rogue router on the LAN, while
// connected, push routes outside the tunnel for both families. IPv6: a
// router advertisement with route information options for the internet
// host's network and for both halves of the IPv6 space (the client is set
// to accept them, as some desktops are), and an ICMPv6 redirect saying the
// internet host is on-link; the router then answers neighbour solicitations
// for it. IPv4: the routes a DHCP client installs from a rogue server's
// classless static routes (option 121, TunnelVision): 0.0.0.0/1,
// 128.0.0.0/1 and the internet host's /24 via the router. The routes are
// checked to have reached the client's table. The
// kill switch (auto) must keep every probe inside the tunnel or refused.
// With the kill switch off the routes alone decide, and the rogue ones win
// (TunnelVision): that run only logs what leaked (docs/firewall.md, "What
// the kill switch off leaves open").
func TestHostileRouterMessagesNoLeak(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	if out, err := bed.Exec(testbed.RoleLAN, "sysctl", "-q", "-w", "net.ipv6.conf.lan0.proxy_ndp=1"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	ipBatch(t, bed, testbed.RoleLAN, []string{"-6 neigh add proxy 2001:db8:200::10 dev lan0"})
	if out, err := bed.Exec(testbed.RoleClient, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra_rt_info_max_plen=128"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t, daemonArgs...)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	client := clientLinkLocal(t, bed)
	lanNS := bed.Namespace(testbed.RoleLAN)
	ra := testbed.HostileAdvertisement([]testbed.RouteInfo{
		{Prefix: netip.MustParsePrefix("2001:db8:200::/64"), Lifetime: time.Hour},
		{Prefix: netip.MustParsePrefix("::/1"), Lifetime: time.Hour},
		{Prefix: netip.MustParsePrefix("8000::/1"), Lifetime: time.Hour},
	}, nil)
	for _, mode := range []string{"auto", "off"} {
		mustCLI(t, n, "set", "killswitch", mode)
		s := startSweep(t, bed)
		if err := testbed.SendND(lanNS, "lan0", netip.MustParseAddr("ff02::1"), ipv6.ICMPTypeRouterAdvertisement, ra); err != nil {
			t.Fatal(err)
		}
		redirect := testbed.Redirect(testbed.InternetIPv6, testbed.InternetIPv6)
		if err := testbed.SendND(lanNS, "lan0", client, ipv6.ICMPTypeRedirect, redirect); err != nil {
			t.Fatal(err)
		}
		ipBatch(t, bed, testbed.RoleClient, []string{
			"route replace 0.0.0.0/1 via 192.168.50.1", "route replace 128.0.0.0/1 via 192.168.50.1",
			"route replace 203.0.113.0/24 via 192.168.50.1",
		})
		time.Sleep(3 * time.Second)
		routes, err := bed.Exec(testbed.RoleClient, "ip", "-6", "route", "show", "table", "main")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(routes), "2001:db8:200::/64") || !strings.Contains(string(routes), "::/1") {
			t.Errorf("the rogue advertisement's routes are not in the client's table, nothing was tested:\n%s", routes)
		}
		get6, _ := bed.Exec(testbed.RoleClient, "ip", "route", "get", testbed.InternetIPv6.String())
		get4, _ := bed.Exec(testbed.RoleClient, "ip", "route", "get", testbed.InternetIPv4.String())
		t.Logf("kill switch %s: IPv6 routes after the rogue router:\n%s\nroute get: %s%s", mode, routes, get6, get4)
		if mode == "off" {
			c, probes := s.outside(t)
			t.Logf("kill switch off, rogue router: %d probes, outside the tunnel %v (documented)", probes, c)
			continue
		}
		s.noLeak(t, "kill switch "+mode+", rogue router advertisement and redirect")
	}
}
