package firewall

import (
	"net/netip"
	"slices"
	"testing"
)

// TestUpstreamTunnelOrLAN: a private upstream the tunnel carries is asked
// only through the tunnel; only one outside the tunnel's routes and
// addresses, or one the user chose on an on-link prefix more specific than
// them, is a LAN upstream. The profile's own servers on such a prefix stay
// in the tunnel (a hostile LAN numbered inside the provider's resolver
// network). Both families.
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
		// onLinkOnly: a LAN upstream only by the on-link exception, which
		// only the user's own choice gets.
		onLinkOnly bool
	}{
		{"provider resolver in a full tunnel v4", "10.64.0.1", full, prefixes("10.64.1.2/32"), prefixes("192.168.1.0/24"), true, false, false},
		{"provider resolver in a full tunnel v6", "fd00:64::1", full, prefixes("fd00:64::2/128"), prefixes("fd00:1::/64"), true, false, false},
		{"in the /1 halves v4", "10.64.0.1", prefixes("0.0.0.0/1", "128.0.0.0/1"), nil, nil, true, false, false},
		{"explicit allowed IP v4 more specific than the LAN", "10.99.0.1", prefixes("10.99.0.1/32"), nil, prefixes("10.99.0.0/16"), true, false, false},
		{"explicit allowed IP v6 more specific than the LAN", "fd00:99::1", prefixes("fd00:99::/64"), nil, prefixes("fd00::/16"), true, false, false},
		{"same prefix on the LAN and in the tunnel v4", "10.99.0.1", prefixes("10.99.0.0/24"), nil, prefixes("10.99.0.0/24"), true, false, false},
		{"same prefix on the LAN and in the tunnel v6", "fd00:99::1", prefixes("fd00:99::/64"), nil, prefixes("fd00:99::/64"), true, false, false},
		{"in the tunnel address network v4", "10.7.0.1", nil, prefixes("10.7.0.2/24"), nil, true, false, false},
		{"in the tunnel address network v6", "fd07::1", nil, prefixes("fd07::2/64"), nil, true, false, false},
		{"on-link beside a full tunnel v4", "192.168.1.53", full, nil, prefixes("192.168.1.0/24"), true, true, true},
		{"on-link beside a full tunnel v6", "fd00:1::53", full, nil, prefixes("fd00:1::/64"), true, true, true},
		{"private outside a split tunnel v4", "192.168.1.53", prefixes("10.0.0.0/8"), nil, nil, true, true, false},
		{"private outside a split tunnel v6", "fd12::53", prefixes("2001:db8::/32"), nil, nil, true, true, false},
		{"on-link but LAN not allowed v4", "192.168.1.53", full, nil, prefixes("192.168.1.0/24"), false, false, false},
		{"on-link but LAN not allowed v6", "fd00:1::53", full, nil, prefixes("fd00:1::/64"), false, false, false},
		{"public outside the tunnel v6", "2620:fe::fe", prefixes("10.0.0.0/8"), nil, nil, true, false, false},
	}
	for _, c := range cases {
		for _, chosen := range []bool{true, false} {
			t.Run(c.name+map[bool]string{true: ", chosen", false: ", the profile's"}[chosen], func(t *testing.T) {
				checkUpstreamRules(t, c.up, Input{
					State: StateConnected, Mode: ModeAlways, AllowLAN: c.allowLAN, HostIPv6: true, OnLink: c.onLink,
					Tunnel: &Tunnel{Interface: "palisade0", Addresses: c.addrs, Routes: c.routes},
				}, chosen, c.wantLAN && (chosen || !c.onLinkOnly))
			})
		}
	}
}

// checkUpstreamRules checks that upstream up gets its tcp and udp accepts,
// for the resolver only, on the LAN (no interface) when wantLAN and only
// through the tunnel otherwise.
func checkUpstreamRules(t *testing.T, addr string, in Input, chosen, wantLAN bool) {
	t.Helper()
	up := netip.AddrPortFrom(netip.MustParseAddr(addr), 53)
	in.DNS = DNS{Manage: true, Upstreams: []netip.AddrPort{up}, Chosen: chosen, Mark: 0xca6d}
	if LANUpstream(in, up.Addr()) != wantLAN {
		t.Errorf("LANUpstream(%v) = %v", up, !wantLAN)
	}
	rs := Compute(in).Output
	n := 0
	for _, r := range rs {
		if !slices.Contains(r.Dst, hostPrefix(up.Addr())) || r.DstPort != 53 || r.Action != Accept {
			continue
		}
		n++
		if r.Iface == "" != wantLAN {
			t.Errorf("upstream %v: rule on interface %q, want LAN upstream %v", up, r.Iface, wantLAN)
		}
		if !r.Service || r.Mark != 0xca6d {
			t.Errorf("upstream rule not restricted to the resolver: %+v", r)
		}
	}
	if n != 2 {
		t.Errorf("upstream %v: %d accept rules, want tcp and udp:\n%s", up, n, Policy{Output: rs})
	}
}
