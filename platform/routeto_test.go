package platform

import (
	"net/netip"
	"testing"
)

func TestLookup(t *testing.T) {
	gw := netip.MustParseAddr("192.168.1.1")
	routes := []Route{
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "en0", Gateway: gw},
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "en1", Gateway: netip.MustParseAddr("10.0.0.1"), IfScope: true},
		{Dst: netip.MustParsePrefix("0.0.0.0/1"), Interface: "utun4"},
		{Dst: netip.MustParsePrefix("128.0.0.0/1"), Interface: "utun4"},
		{Dst: netip.MustParsePrefix("198.51.100.2/32"), Interface: "en0", Gateway: gw},
		{Dst: netip.MustParsePrefix("203.0.113.9/32"), Interface: "lo0", Reject: true},
		{Dst: netip.MustParsePrefix("::/1"), Interface: "utun4"},
	}
	for _, tc := range []struct {
		dst  string
		want Hop
	}{
		{"1.1.1.1", Hop{Interface: "utun4"}},
		{"198.51.100.2", Hop{Interface: "en0", Gateway: gw}},
		{"::ffff:198.51.100.2", Hop{Interface: "en0", Gateway: gw}},
		{"203.0.113.9", Hop{Reject: true}},
		{"2606:4700::1", Hop{Interface: "utun4"}},
		{"8000::1", Hop{Reject: true}},
	} {
		if got := Lookup(routes, netip.MustParseAddr(tc.dst)); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.dst, got, tc.want)
		}
	}
}
