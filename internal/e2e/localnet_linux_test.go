package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"golang.org/x/net/ipv6"
)

// TestHostileLANPublicPrefixOnLink is TunnelCrack's LocalNet attack
// (CVE-2023-36672) from a hostile network: its DHCP server leases the
// client an address inside a public IPv4 network (203.0.113.0/24, the
// internet host's), so that network becomes on-link, and its router
// answers ARP for it (proxy ARP) and forwards. With the default settings
// (kill switch auto, allow-LAN on) a connected client must still send
// nothing to internet outside the tunnel: allow-LAN opens the private
// IPv4 ranges, never a public network because the LAN claims it. The IPv6
// twin (a real router advertisement making a public /64 on-link) is allowed on
// purpose with allow-LAN on (docs/firewall.md, "What allow-LAN trusts")
// and checked to be shut with allow-LAN off.
func TestHostileLANPublicPrefixOnLink(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	hostileLAN(t, bed)
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")

	// What the hostile DHCP lease leaves behind, and a real router
	// advertisement making the internet host's /64 on-link (SLAAC too).
	ipBatch(t, bed, testbed.RoleClient, []string{"addr add 203.0.113.99/24 dev eth0"})
	ra := testbed.HostileAdvertisement(nil, []testbed.PrefixInfo{
		{Prefix: netip.MustParsePrefix("2001:db8:200::/64"), Autonomous: true, Lifetime: time.Hour},
	})
	if err := testbed.SendND(bed.Namespace(testbed.RoleLAN), "lan0", netip.MustParseAddr("ff02::1"), ipv6.ICMPTypeRouterAdvertisement, ra); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the rogue prefix on-link", func() bool {
		out, err := bed.Exec(testbed.RoleClient, "ip", "-6", "route", "show", "2001:db8:200::/64")
		return err == nil && strings.Contains(string(out), "dev eth0")
	})
	time.Sleep(2 * time.Second) // the daemon re-renders within a second
	for _, fam := range []int{4, 6} {
		if err := bed.ResetOutsideCounts(); err != nil {
			t.Fatal(err)
		}
		for _, kind := range probeKinds {
			leakProbe(bed, kind, fam)
		}
		c, err := bed.OutsideCounts()
		if err != nil {
			t.Fatal(err)
		}
		leaked := c["ipv4"] + c["ipv4/dns"]
		if fam == 6 {
			leaked = c["ipv6"] + c["ipv6/dns"]
			// allow-LAN on trusts the on-link IPv6 prefixes (the design's
			// rule for LAN neighbours with only a global address); the
			// port-53 reject still holds.
			t.Logf("allow-LAN on, IPv6 prefix on-link: %v reached internet outside the tunnel (documented)", c)
			if c["ipv6/dns"] != 0 {
				t.Errorf("allow-LAN on: DNS to the on-link IPv6 prefix left the tunnel: %v", c)
			}
			continue
		}
		if leaked != 0 {
			t.Errorf("allow-LAN on, public IPv4 network on-link: %d packets reached internet outside the tunnel: %v", leaked, c)
		}
	}

	mustCLI(t, n, "set", "allow-lan", "off")
	s := startSweep(t, bed)
	time.Sleep(2 * time.Second)
	s.noLeak(t, "allow-LAN off, public networks on-link")

	// The control: disconnected, the same probes take the on-link route
	// and the counters see them, so the checks above could fail.
	mustCLI(t, n, "disconnect")
	s = startSweep(t, bed)
	if c := s.seenOutside(t, 30*time.Second); c["ipv4"] == 0 || c["ipv6"] == 0 {
		t.Errorf("disconnected, no probe took the on-link route: %v", c)
	}
}
