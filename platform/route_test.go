package platform

import (
	"net/netip"
	"reflect"
	"testing"
)

func pfx(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestMakePlan(t *testing.T) {
	tests := []struct {
		name string
		cfg  TunnelConfig
		want Plan
	}{{
		name: "dual stack full tunnel",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), Default4: true, Default6: true},
	}, {
		name: "v4-only tunnel on a v6 host blocks IPv6",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Default4: true, Block6: true},
	}, {
		name: "v6 allowed IPs without a v6 address are not routed",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Default4: true, Block6: true},
	}, {
		name: "IPv6-disabled host runs single stack",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("0.0.0.0/0", "::/0"), HostIPv6: false},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Default4: true},
	}, {
		name: "split tunnel leaves IPv6 alone",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), AllowedIPs: pfx("10.64.0.0/24", "fd64::/64"), HostIPv6: true},
		want: Plan{Addresses: pfx("10.64.0.2/32", "fd64::2/128"), Routes: pfx("10.64.0.0/24", "fd64::/64")},
	}, {
		name: "v6-only tunnel",
		cfg:  TunnelConfig{Addresses: pfx("fd64::2/128"), AllowedIPs: pfx("::/0"), HostIPv6: true},
		want: Plan{Addresses: pfx("fd64::2/128"), Default6: true},
	}, {
		name: "host bits are masked",
		cfg:  TunnelConfig{Addresses: pfx("10.64.0.2/32"), AllowedIPs: pfx("10.64.0.7/24"), HostIPv6: false},
		want: Plan{Addresses: pfx("10.64.0.2/32"), Routes: pfx("10.64.0.0/24")},
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
	eps := []netip.AddrPort{netip.MustParseAddrPort("198.51.100.2:51820"), netip.MustParseAddrPort("[2001:db8::2]:51820"), netip.MustParseAddrPort("198.51.100.2:51821")}
	got := SplitPlan(Plan{Default4: true, Block6: true}, eps, gw4, gw6)
	want := []SplitRoute{
		{Dst: netip.MustParsePrefix("0.0.0.0/1")}, {Dst: netip.MustParsePrefix("128.0.0.0/1")},
		{Dst: netip.MustParsePrefix("::/1"), Reject: true}, {Dst: netip.MustParsePrefix("8000::/1"), Reject: true},
		{Dst: netip.MustParsePrefix("198.51.100.2/32"), Via: gw4}, {Dst: netip.MustParsePrefix("2001:db8::2/128"), Via: gw6},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SplitPlan =\n%+v\nwant\n%+v", got, want)
	}
	// An IPv6 endpoint on a host without an IPv6 default route outside the
	// tunnel is blackholed: left to the routing table, its handshakes would
	// follow ::/1 into the tunnel and loop.
	got = SplitPlan(Plan{Default4: true, Default6: true}, eps[1:2], gw4, nil)
	want = []SplitRoute{
		{Dst: netip.MustParsePrefix("0.0.0.0/1")}, {Dst: netip.MustParsePrefix("128.0.0.0/1")},
		{Dst: netip.MustParsePrefix("::/1")}, {Dst: netip.MustParsePrefix("8000::/1")},
		{Dst: netip.MustParsePrefix("2001:db8::2/128"), Blackhole: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SplitPlan without IPv6 gateway =\n%+v\nwant\n%+v", got, want)
	}
	// A peer on this host keeps its loopback path.
	if got := SplitPlan(Plan{}, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:51820"), netip.MustParseAddrPort("[::1]:51820")}, gw4, gw6); len(got) != 0 {
		t.Fatalf("loopback endpoints got routes: %+v", got)
	}
	for _, rt := range got {
		if rt.OutlivesTunnel() != (rt.Blackhole || rt.Via != nil || rt.Reject) {
			t.Errorf("OutlivesTunnel(%+v) = %v", rt, rt.OutlivesTunnel())
		}
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
	}
	got := OnLink(routes, "palisade0")
	want := pfx("192.168.50.0/24", "2001:db8:50::/64", "2001:db8:51::/56", "fd50::/64")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OnLink = %v, want %v", got, want)
	}
}
