package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func isV4Block(r Rule) bool { return r.Family == FamilyIPv4 && r.NotDst && r.Action == Reject }

// An IPv6-only full tunnel (Tunnel.Block4) rejects off-link IPv4 in every
// state and mode, kill switch or not, after the service's own endpoint
// and name-lookup accepts; the link, loopback, multicast and (with
// allow_lan) the private ranges stay reachable.
func TestBlock4EveryState(t *testing.T) {
	for _, state := range allStates[1:] {
		for _, mode := range allModes {
			for _, lan := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/lan=%v", state, mode, lan), func(t *testing.T) {
					in := testInput(state, mode, false, lan, true, true)
					in.Tunnel.Addresses = []netip.Prefix{netip.MustParsePrefix("fd00:64::2/128")}
					in.Tunnel.Routes = []netip.Prefix{netip.MustParsePrefix("::/0"), netip.MustParsePrefix("10.99.0.0/16")}
					in.Tunnel.Block4, in.Tunnel.Block6 = true, false
					p := Compute(in)
					for name, rs := range map[string][]Rule{"output": p.Output, "forward": p.Forward} {
						i := index(rs, isV4Block)
						if i < 0 {
							t.Fatalf("%s has no IPv4 block:\n%s", name, p)
						}
						if j := index(rs, isV6Block); j >= 0 {
							t.Errorf("%s blocks IPv6 beside an IPv6 tunnel: %+v", name, rs[j])
						}
						r := rs[i]
						for _, keep := range []netip.Prefix{onLink4, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("255.255.255.255/32")} {
							if !slices.Contains(r.Dst, keep) {
								t.Errorf("%s IPv4 block does not exempt %v: %v", name, keep, r.Dst)
							}
						}
						if !slices.Contains(r.Dst, netip.MustParsePrefix("10.99.0.0/16")) {
							t.Errorf("%s IPv4 block rejects the IPv4 the tunnel carries: %v", name, r.Dst)
						}
						if got := slices.Contains(r.Dst, netip.MustParsePrefix("192.168.0.0/16")); got != lan {
							t.Errorf("%s IPv4 block exempts 192.168.0.0/16 = %v with allow_lan %v", name, got, lan)
						}
						if slices.ContainsFunc(r.Dst, func(p netip.Prefix) bool { return p.Contains(ep4.Addr()) }) {
							t.Errorf("%s IPv4 block exempts the public endpoint's range: %v", name, r.Dst)
						}
					}
					block := index(p.Output, isV4Block)
					if ep := index(p.Output, isEndpointTo(ep4)); ep < 0 || ep > block {
						t.Errorf("the IPv4 endpoint's accept (at %d) must precede the IPv4 block at %d", ep, block)
					}
					if bs := index(p.Output, isBootstrap); bs < 0 || bs > block {
						t.Errorf("the name lookups' accept (at %d) must precede the IPv4 block at %d", bs, block)
					}
				})
			}
		}
	}
	in := testInput(StateDisconnected, ModeOff, false, true, true, true)
	if p := Compute(in); index(p.Output, isV4Block) >= 0 {
		t.Errorf("IPv4 blocked without a tunnel:\n%s", p)
	}
}
