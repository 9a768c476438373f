package service

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/palisadevpn/palisade/platform"
)

func TestPlanEndpoint(t *testing.T) {
	a := netip.MustParseAddr
	v4, v6 := a("198.51.100.2"), a("2001:db8:100::2")
	nsp := netip.MustParsePrefix("2001:db8:64::/96")
	synth := a("2001:db8:64::c633:6402") // 198.51.100.2 under nsp
	dual := reach{Reach: platform.Reach{IPv4: true, IPv6: true}}
	only4 := reach{Reach: platform.Reach{IPv4: true}}
	only6 := reach{Reach: platform.Reach{IPv6: true}, NAT64: nsp}
	only6NoNAT := reach{Reach: platform.Reach{IPv6: true}}
	tests := []struct {
		name    string
		addrs   []netip.Addr
		literal bool
		r       reach
		want    []netip.Addr
		via     []bool
		why     string
	}{
		{"dual stack keeps an IPv4 literal", []netip.Addr{v4}, true, dual, []netip.Addr{v4}, []bool{false}, "the profile's address"},
		{"dual stack keeps an IPv6 literal", []netip.Addr{v6}, true, dual, []netip.Addr{v6}, []bool{false}, "the profile's address"},
		{"dual stack tries IPv6 then IPv4 for a name", []netip.Addr{v4, v6}, false, dual, []netip.Addr{v6, v4}, []bool{false, false},
			"both families: IPv6 first, IPv4 when it gets no handshake"},
		{"IPv4-only network takes the A record", []netip.Addr{v6, v4}, false, only4, []netip.Addr{v4}, []bool{false}, "IPv4-only network: IPv4"},
		{"IPv6-only network takes the AAAA record", []netip.Addr{v4, v6}, false, only6, []netip.Addr{v6, synth}, []bool{false, true},
			"IPv6-only network: IPv6, IPv4 via NAT64 2001:db8:64::/96"},
		{"IPv6-only network synthesizes for an IPv4 literal", []netip.Addr{v4}, true, only6, []netip.Addr{synth}, []bool{true},
			"IPv4 endpoint on an IPv6-only network: via NAT64 2001:db8:64::/96"},
		{"IPv6-only network synthesizes for an A-only name", []netip.Addr{v4}, false, only6, []netip.Addr{synth}, []bool{true},
			"IPv6-only network: IPv6, IPv4 via NAT64 2001:db8:64::/96"},
		{"a DNS64 answer is marked as NAT64 and not repeated", []netip.Addr{synth, v4}, false, only6, []netip.Addr{synth}, []bool{true},
			"IPv6-only network: IPv6, IPv4 via NAT64 2001:db8:64::/96"},
		{"IPv6-only network without NAT64 tries the IPv4 literal anyway", []netip.Addr{v4}, true, only6NoNAT, []netip.Addr{v4}, []bool{false},
			"the profile's address, though this network has no IPv4 default route"},
		{"IPv6-only network without NAT64 tries an A-only name anyway", []netip.Addr{v4}, false, only6NoNAT, []netip.Addr{v4}, []bool{false},
			"no address of the family this network reaches: trying the others anyway"},
		{"IPv4-only network tries an AAAA-only name anyway", []netip.Addr{v6}, false, only4, []netip.Addr{v6}, []bool{false},
			"no address of the family this network reaches: trying the others anyway"},
		{"a loopback peer needs no default route", []netip.Addr{a("127.0.0.1")}, true, only6, []netip.Addr{a("127.0.0.1")}, []bool{false}, "the profile's address"},
		{"no default route at all: like dual stack", []netip.Addr{v4, v6}, false, reach{}, []netip.Addr{v6, v4}, []bool{false, false},
			"both families: IPv6 first, IPv4 when it gets no handshake"},
		{"IPv4-mapped answers count as IPv4", []netip.Addr{a("::ffff:198.51.100.2")}, false, only4, []netip.Addr{v4}, []bool{false}, "IPv4-only network: IPv4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planEndpoint(tt.addrs, tt.literal, 51820, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			var got []netip.Addr
			var via []bool
			for _, c := range p.Choices {
				if c.Addr.Port() != 51820 {
					t.Errorf("port %d", c.Addr.Port())
				}
				got = append(got, c.Addr.Addr())
				via = append(via, c.NAT64 == nsp)
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(via, tt.via) || p.Why != tt.why {
				t.Errorf("planEndpoint = %v (via NAT64 %v, %q), want %v (%v, %q)", got, via, p.Why, tt.want, tt.via, tt.why)
			}
		})
	}
	if p, err := planEndpoint([]netip.Addr{v6}, false, 51820, reach{Reach: platform.Reach{IPv4: true}, NoIPv6: true}); err == nil {
		t.Errorf("an AAAA-only name planned on a host without IPv6: %+v", p)
	}
	if p, err := planEndpoint([]netip.Addr{v6, v4}, false, 51820, reach{Reach: platform.Reach{IPv4: true}, NoIPv6: true}); err != nil || len(p.Choices) != 1 || p.Choices[0].Addr.Addr() != v4 {
		t.Errorf("a host without IPv6 plans %+v, %v; want the IPv4 address alone", p, err)
	}
	if _, err := planEndpoint(nil, false, 51820, dual); err == nil {
		t.Error("an empty answer planned without error")
	}
}
