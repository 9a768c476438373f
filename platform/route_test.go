package platform

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/platform/coverage"
)

func pfx(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// The official WireGuard apps' "exclude private IPs" list: every public
// IPv4 range.
const excludePrivate4 = "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/3, 160.0.0.0/5, 168.0.0.0/6, 172.0.0.0/12, 172.32.0.0/11, 172.64.0.0/10, 172.128.0.0/9, 173.0.0.0/8, 174.0.0.0/7, 176.0.0.0/4, 192.0.0.0/9, 192.128.0.0/11, 192.160.0.0/13, 192.169.0.0/16, 192.170.0.0/15, 192.172.0.0/14, 192.176.0.0/12, 192.192.0.0/10, 193.0.0.0/8, 194.0.0.0/7, 196.0.0.0/6, 200.0.0.0/5, 208.0.0.0/4"

func TestMakePlan(t *testing.T) {
	excl := pfx(strings.Split(excludePrivate4, ", ")...)
	tests := []struct {
		name string
		cfg  TunnelConfig
		want Plan
	}{{
		name: "dual stack full tunnel",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), Scope: coverage.Scope{Full4: true, Full6: true, Routes: pfx("0.0.0.0/0", "::/0")}},
	}, {
		name: "v4-only tunnel on a v6 host blocks IPv6",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Full4: true, Block6: true, Routes: pfx("0.0.0.0/0")}},
	}, {
		name: "the /1 halves are a full IPv4 tunnel",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/1", "128.0.0.0/1"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Full4: true, Block6: true, Routes: pfx("0.0.0.0/1", "128.0.0.0/1")}},
	}, {
		name: "exclude private IPs is a full IPv4 tunnel; private ranges stay outside",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: excl, HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Full4: true, Block6: true, Routes: excl}},
	}, {
		name: "dual-stack halves",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), Scope: coverage.Scope{Full4: true, Full6: true, Routes: pfx("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1")}},
	}, {
		name: "v6 allowed IPs without a v6 address are not routed",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Full4: true, Block6: true, Routes: pfx("0.0.0.0/0")}},
	}, {
		name: "IPv6-disabled host runs single stack",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: false},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Full4: true, Routes: pfx("0.0.0.0/0")}},
	}, {
		name: "split tunnel leaves IPv6 alone",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("10.64.0.0/24", "fd64::/64"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), Scope: coverage.Scope{Routes: pfx("10.64.0.0/24", "fd64::/64")}},
	}, {
		name: "one half is split",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/1"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Routes: pfx("0.0.0.0/1")}},
	}, {
		name: "v6-only tunnel",
		cfg:  TunnelConfig{Addresses: pfx("fd64::2/128"), AllowedIPs: pfx("::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("fd64::2/128"), Scope: coverage.Scope{Full6: true, Block4: true, Routes: pfx("::/0")}},
	}, {
		name: "v4 allowed IPs without a v4 address are not routed, IPv4 blocked",
		cfg:  TunnelConfig{Addresses: pfx("fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("fd64::2/128"), Scope: coverage.Scope{Full6: true, Block4: true, Routes: pfx("::/0")}},
	}, {
		name: "host bits are masked, duplicates dropped",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("10.64.0.7/24", "10.64.0.0/24"), HostIPv6: false},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Scope: coverage.Scope{Routes: pfx("10.64.0.0/24")}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MakePlan(tt.cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MakePlan = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSplitPlan(t *testing.T) {
	gw4 := &Gateway{Interface: "en0", NextHop: netip.MustParseAddr("192.168.1.1")}
	gw6 := &Gateway{Interface: "en0", NextHop: netip.MustParseAddr("fe80::1")}
	ep4, ep6 := netip.MustParseAddrPort("198.51.100.2:51820"), netip.MustParseAddrPort("[2001:db8::2]:51820")
	eps := []netip.AddrPort{ep4, ep6, netip.MustParseAddrPort("198.51.100.2:51821")}
	tunnel := func(ss ...string) []SplitRoute {
		var out []SplitRoute
		for _, p := range pfx(ss...) {
			out = append(out, SplitRoute{Dst: p})
		}
		return out
	}
	host4 := SplitRoute{Dst: netip.MustParsePrefix("198.51.100.2/32"), Via: gw4}
	host6 := SplitRoute{Dst: netip.MustParsePrefix("2001:db8::2/128"), Via: gw6}
	reject6 := []SplitRoute{{Dst: netip.MustParsePrefix("::/1"), Reject: true}, {Dst: netip.MustParsePrefix("8000::/1"), Reject: true}}
	tests := []struct {
		name string
		plan Plan
		eps  []netip.AddrPort
		gw6  *Gateway
		want []SplitRoute
	}{{
		name: "full IPv4 from /0, IPv6 blocked, one host route per endpoint",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("0.0.0.0/0"), Full4: true, Block6: true}}, eps: eps, gw6: gw6,
		want: append(append(tunnel("0.0.0.0/1", "128.0.0.0/1"), reject6...), host4, host6),
	}, {
		name: "full IPv6, IPv4 blocked: unreachable IPv4 halves, the IPv4 endpoint keeps its host route",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("::/0"), Full6: true, Block4: true}}, eps: eps[:1], gw6: gw6,
		want: append(tunnel("::/1", "8000::/1"), SplitRoute{Dst: netip.MustParsePrefix("0.0.0.0/1"), Reject: true},
			SplitRoute{Dst: netip.MustParsePrefix("128.0.0.0/1"), Reject: true}, host4),
	}, {
		name: "the halves and /0 together are routed once",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("0.0.0.0/1", "0.0.0.0/0", "128.0.0.0/1", "::/0"), Full4: true, Full6: true}}, eps: eps[:1], gw6: gw6,
		want: append(tunnel("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"), host4),
	}, {
		name: "a split tunnel containing the endpoint keeps its host route",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("10.64.0.0/24", "198.51.100.0/24")}}, eps: eps[:1], gw6: gw6,
		want: append(tunnel("10.64.0.0/24", "198.51.100.0/24"), host4),
	}, {
		name: "an allowed /32 of the endpoint itself yields to the host route",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("198.51.100.2/32", "10.64.0.0/24")}}, eps: eps[:1], gw6: gw6,
		want: append(tunnel("10.64.0.0/24"), host4),
	}, {
		// Left to the routing table, its handshakes would follow ::/1 into
		// the tunnel and loop.
		name: "an IPv6 endpoint without an IPv6 gateway is blackholed",
		plan: Plan{Scope: coverage.Scope{Routes: pfx("0.0.0.0/0", "::/0"), Full4: true, Full6: true}}, eps: eps[1:2],
		want: append(tunnel("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"), SplitRoute{Dst: netip.MustParsePrefix("2001:db8::2/128"), Blackhole: true}),
	}, {
		name: "a peer on this host keeps its loopback path",
		eps:  []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:51820"), netip.MustParseAddrPort("[::1]:51820")}, gw6: gw6,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitPlan(tt.plan, tt.eps, gw4, tt.gw6)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SplitPlan =\n%+v\nwant\n%+v", got, tt.want)
			}
			for _, rt := range got {
				if rt.OutlivesTunnel() != (rt.Blackhole || rt.Via != nil || rt.Reject) {
					t.Errorf("OutlivesTunnel(%+v) = %v", rt, rt.OutlivesTunnel())
				}
			}
		})
	}
}

func TestBestGateway(t *testing.T) {
	cands := []Gateway{
		{Interface: "utun3", NextHop: netip.MustParseAddr("10.64.0.1"), Metric: 0},
		{Interface: "en1", NextHop: netip.MustParseAddr("192.168.2.1"), Metric: 20},
		{Interface: "en0", NextHop: netip.MustParseAddr("192.168.1.1"), Metric: 10},
	}
	if g := BestGateway(cands, "utun3"); g == nil || g.Interface != "en0" {
		t.Fatalf("BestGateway = %+v, want en0", g)
	}
	if g := BestGateway(cands[:1], "utun3"); g != nil {
		t.Fatalf("tunnel chosen as gateway: %+v", g)
	}
}

func TestOnLink(t *testing.T) {
	gw := netip.MustParseAddr("192.168.50.1")
	routes := []Route{
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "eth0", Gateway: gw},
		{Dst: netip.MustParsePrefix("192.168.50.0/24"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("2001:db8:50::/64"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("2001:db8:51::/56"), Interface: "wlan0"},
		{Dst: netip.MustParsePrefix("fd50::/64"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("fe80::/64"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("ff00::/8"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("10.64.0.0/24"), Interface: "palisade0"},
		{Dst: netip.MustParsePrefix("127.0.0.0/8"), Interface: "lo", Loopback: true},
		{Dst: netip.MustParsePrefix("2001:db8:99::/48"), Interface: "eth0", Gateway: netip.MustParseAddr("fe80::1")},
		{Dst: netip.MustParsePrefix("192.168.50.0/24"), Interface: "eth1"},
		// Another VPN's on-link routes are not the LAN.
		{Dst: netip.MustParsePrefix("0.0.0.0/1"), Interface: "wg-other", PointToPoint: true},
		{Dst: netip.MustParsePrefix("2000::/3"), Interface: "wg-other", PointToPoint: true},
		// No link holds half the Internet: a rogue router's prefix
		// information or a rogue DHCP server's on-link classless routes.
		{Dst: netip.MustParsePrefix("::/1"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("8000::/1"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("2001:db8::/47"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("0.0.0.0/1"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("128.0.0.0/7"), Interface: "eth0"},
		// The shortest that still count.
		{Dst: netip.MustParsePrefix("10.0.0.0/8"), Interface: "eth0"},
		{Dst: netip.MustParsePrefix("2001:db8:52::/48"), Interface: "eth0"},
	}
	got := OnLink(routes, "palisade0")
	want := pfx("10.0.0.0/8", "192.168.50.0/24", "2001:db8:50::/64", "2001:db8:51::/56", "2001:db8:52::/48", "fd50::/64")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OnLink = %v, want %v", got, want)
	}
	for ifType, want := range map[uint32]bool{6: false, 71: false, 23: true, 53: true, 131: true, 24: false} {
		if windowsPointToPoint(ifType) != want {
			t.Errorf("windowsPointToPoint(%d) = %v", ifType, !want)
		}
	}
}

// Pinned upstreams become host prefixes, once each, and only where the
// tunnel's routes carry them; both families.
func TestMakePlanPinned(t *testing.T) {
	cfg := TunnelConfig{
		Addresses:  pfx("10.64.0.2/32", "fd64::2/128"),
		AllowedIPs: pfx("0.0.0.0/0", "fd64::/64"),
		HostIPv6:   true,
		Pinned: []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("::ffff:10.64.0.1"),
			netip.MustParseAddr("fd64::1"), netip.MustParseAddr("fd00::53"), netip.MustParseAddr("fe80::1%eth0")},
	}
	got := MakePlan(cfg).Pinned
	if want := pfx("10.64.0.1/32", "fd64::1/128"); !reflect.DeepEqual(got, want) {
		t.Errorf("pinned %v, want %v", got, want)
	}
	cfg.Addresses = pfx("10.64.0.2/32")
	if got := MakePlan(cfg).Pinned; !reflect.DeepEqual(got, pfx("10.64.0.1/32")) {
		t.Errorf("a tunnel without IPv6 pins %v, want the IPv4 upstream alone", got)
	}
	plan := MakePlan(TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true,
		Pinned: []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd64::1")}})
	routes := SplitPlan(plan, nil, nil, nil)
	for _, host := range pfx("10.64.0.1/32", "fd64::1/128") {
		if !slices.Contains(routes, SplitRoute{Dst: host}) {
			t.Errorf("SplitPlan lacks a tunnel host route to %v: %+v", host, routes)
		}
	}
}
