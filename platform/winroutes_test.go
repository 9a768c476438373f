package platform

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/palisadevpn/palisade/platform/coverage"
)

// TestWindowsRoutes checks the Windows router's use of a split plan: every
// route on the adapter has an on-link next hop of its own family (the
// IPv4 halves blocked beside an IPv6-only tunnel used to get "::", which
// Windows refuses, failing every IPv6-only connect), endpoints with a
// gateway get journaled host routes, and those without wait.
func TestWindowsRoutes(t *testing.T) {
	gw4 := &Gateway{Interface: "Ethernet", LUID: 7, NextHop: netip.MustParseAddr("192.168.1.1")}
	ep4 := netip.MustParseAddrPort("198.51.100.2:51820")
	ep6 := netip.MustParseAddrPort("[2001:db8::2]:51820")
	on := func(dst, nh string) winTunnelRoute {
		return winTunnelRoute{Dst: netip.MustParsePrefix(dst), NextHop: netip.MustParseAddr(nh)}
	}
	tests := []struct {
		name   string
		plan   Plan
		noIPv6 bool
		want   winRoutePlan
	}{{
		name: "IPv6-only tunnel: IPv4 halves blocked into the adapter with an IPv4 next hop",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("::/0"), Full6: true, Block4: true}},
		want: winRoutePlan{
			Tunnel:  []winTunnelRoute{on("::/1", "::"), on("8000::/1", "::"), on("0.0.0.0/1", "0.0.0.0"), on("128.0.0.0/1", "0.0.0.0")},
			Hosts:   []JournaledRoute{{Dst: netip.MustParsePrefix("198.51.100.2/32"), NextHop: gw4.NextHop, Interface: "Ethernet", LUID: 7}},
			Waiting: pfx("2001:db8::2/128"),
		},
	}, {
		name: "IPv4-only tunnel: IPv6 halves blocked with an IPv6 next hop",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("0.0.0.0/0"), Full4: true, Block6: true}},
		want: winRoutePlan{
			Tunnel:  []winTunnelRoute{on("0.0.0.0/1", "0.0.0.0"), on("128.0.0.0/1", "0.0.0.0"), on("::/1", "::"), on("8000::/1", "::")},
			Hosts:   []JournaledRoute{{Dst: netip.MustParsePrefix("198.51.100.2/32"), NextHop: gw4.NextHop, Interface: "Ethernet", LUID: 7}},
			Waiting: pfx("2001:db8::2/128"),
		},
	}, {
		name:   "adapter without IPv6: the blocked IPv6 halves are left to the firewall",
		plan:   Plan{Scope: coverage.Scope{Routes: pfx("0.0.0.0/0"), Full4: true, Block6: true}},
		noIPv6: true,
		want: winRoutePlan{
			Tunnel:       []winTunnelRoute{on("0.0.0.0/1", "0.0.0.0"), on("128.0.0.0/1", "0.0.0.0")},
			Hosts:        []JournaledRoute{{Dst: netip.MustParsePrefix("198.51.100.2/32"), NextHop: gw4.NextHop, Interface: "Ethernet", LUID: 7}},
			Waiting:      pfx("2001:db8::2/128"),
			FirewallOnly: pfx("::/1", "8000::/1"),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := windowsRoutes(SplitPlan(tt.plan, []netip.AddrPort{ep4, ep6}, gw4, nil), !tt.noIPv6)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("windowsRoutes:\n got %+v\nwant %+v", got, tt.want)
			}
			for _, r := range got.Tunnel {
				if r.Dst.Addr().Is4() != r.NextHop.Is4() {
					t.Errorf("route %s has next hop %s of the other family", r.Dst, r.NextHop)
				}
			}
		})
	}
}
