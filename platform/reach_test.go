package platform

import (
	"net/netip"
	"testing"
)

func TestReachFrom(t *testing.T) {
	def4 := Route{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "eth0", Gateway: netip.MustParseAddr("192.168.1.1")}
	def6 := Route{Dst: netip.MustParsePrefix("::/0"), Interface: "eth0", Gateway: netip.MustParseAddr("fe80::1")}
	lan4 := Route{Dst: netip.MustParsePrefix("192.168.1.0/24"), Interface: "eth0"}
	tun6 := Route{Dst: netip.MustParsePrefix("::/0"), Interface: "palisade0"}
	lo := Route{Dst: netip.MustParsePrefix("::/0"), Interface: "lo", Loopback: true}
	tests := []struct {
		name   string
		routes []Route
		want   Reach
	}{
		{"dual stack", []Route{lan4, def4, def6}, Reach{IPv4: true, IPv6: true}},
		{"IPv6-only network", []Route{def6}, Reach{IPv6: true}},
		{"IPv4-only network with an on-link prefix", []Route{lan4, def4}, Reach{IPv4: true}},
		{"the tunnel's and loopback's defaults do not count", []Route{lan4, tun6, lo}, Reach{}},
	}
	for _, tt := range tests {
		if got := ReachFrom(tt.routes, "palisade0"); got != tt.want {
			t.Errorf("%s: ReachFrom = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
