package firewall

import (
	"net/netip"
	"slices"
	"testing"
)

// TestUpstreamTunnelOrLAN: a private upstream the tunnel carries is asked
// only through the tunnel; only one outside the tunnel's routes and
// addresses, or on an on-link prefix more specific than them, is a LAN
// upstream. Both families.
func TestUpstreamTunnelOrLAN(t *testing.T) {
	full := prefixes("0.0.0.0/0", "::/0")
	cases := []struct {
		name     string
		up       string
		routes   []netip.Prefix
		addrs    []netip.Prefix
		onLink   []netip.Prefix
		allowLAN bool
		wantLAN  bool
	}{
		{"provider resolver in a full tunnel v4", "10.64.0.1", full, prefixes("10.64.1.2/32"), prefixes("192.168.1.0/24"), true, false},
		{"provider resolver in a full tunnel v6", "fd00:64::1", full, prefixes("fd00:64::2/128"), prefixes("fd00:1::/64"), true, false},
		{"in the /1 halves v4", "10.64.0.1", prefixes("0.0.0.0/1", "128.0.0.0/1"), nil, nil, true, false},
		{"explicit allowed IP v4 more specific than the LAN", "10.99.0.1", prefixes("10.99.0.1/32"), nil, prefixes("10.99.0.0/16"), true, false},
		{"explicit allowed IP v6 more specific than the LAN", "fd00:99::1", prefixes("fd00:99::/64"), nil, prefixes("fd00::/16"), true, false},
		{"same prefix on the LAN and in the tunnel v4", "10.99.0.1", prefixes("10.99.0.0/24"), nil, prefixes("10.99.0.0/24"), true, false},
		{"same prefix on the LAN and in the tunnel v6", "fd00:99::1", prefixes("fd00:99::/64"), nil, prefixes("fd00:99::/64"), true, false},
		{"in the tunnel address network v4", "10.7.0.1", nil, prefixes("10.7.0.2/24"), nil, true, false},
		{"in the tunnel address network v6", "fd07::1", nil, prefixes("fd07::2/64"), nil, true, false},
		{"on-link beside a full tunnel v4", "192.168.1.53", full, nil, prefixes("192.168.1.0/24"), true, true},
		{"on-link beside a full tunnel v6", "fd00:1::53", full, nil, prefixes("fd00:1::/64"), true, true},
		{"private outside a split tunnel v4", "192.168.1.53", prefixes("10.0.0.0/8"), nil, nil, true, true},
		{"private outside a split tunnel v6", "fd12::53", prefixes("2001:db8::/32"), nil, nil, true, true},
		{"on-link but LAN not allowed v4", "192.168.1.53", full, nil, prefixes("192.168.1.0/24"), false, false},
		{"on-link but LAN not allowed v6", "fd00:1::53", full, nil, prefixes("fd00:1::/64"), false, false},
		{"public outside the tunnel v6", "2620:fe::fe", prefixes("10.0.0.0/8"), nil, nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up := netip.AddrPortFrom(netip.MustParseAddr(c.up), 53)
			in := Input{
				State: StateConnected, Mode: ModeAlways, AllowLAN: c.allowLAN, HostIPv6: true, OnLink: c.onLink,
				Tunnel: &Tunnel{Interface: "palisade0", Addresses: c.addrs, Routes: c.routes},
				DNS:    DNS{Manage: true, Upstreams: []netip.AddrPort{up}, Mark: 0xca6d},
			}
			rs := Compute(in).Output
			n := 0
			for _, r := range rs {
				if !slices.Contains(r.Dst, hostPrefix(up.Addr())) || r.DstPort != 53 || r.Action != Accept {
					continue
				}
				n++
				if r.Iface == "" != c.wantLAN {
					t.Errorf("upstream %v: rule on interface %q, want LAN upstream %v", up, r.Iface, c.wantLAN)
				}
				if !r.Service || r.Mark != 0xca6d {
					t.Errorf("upstream rule not restricted to the resolver: %+v", r)
				}
			}
			if n != 2 {
				t.Errorf("upstream %v: %d accept rules, want tcp and udp:\n%s", up, n, Policy{Output: rs})
			}
		})
	}
}
