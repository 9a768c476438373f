package platform

import (
	"net/netip"
	"slices"
)

// Route is a routing-table entry as far as on-link discovery cares.
type Route struct {
	Dst       netip.Prefix
	Interface string
	// Gateway is set for routes via a next hop; on-link routes have none.
	Gateway netip.Addr
	// Loopback marks routes on a loopback interface.
	Loopback bool
	// IfScope marks macOS interface-scoped routes (RTF_IFSCOPE): each
	// interface's own default, used only by sockets bound to it.
	IfScope bool
	// Reject marks reject and blackhole routes (macOS RTF_REJECT,
	// RTF_BLACKHOLE): nothing gets out through them.
	Reject bool
	// PointToPoint marks routes on a link without LAN neighbours: another
	// VPN's tunnel or a PPP link (Windows: windowsPointToPoint).
	PointToPoint bool
}

// linkLocal6 is left out: allow-LAN covers all of fe80::/10 anyway.
var linkLocal6 = netip.MustParsePrefix("fe80::/10")

// Shortest on-link prefixes that count as a link's own: no LAN is larger
// than 10.0.0.0/8, and a /48 is a whole site (RFC 6177), many links. A
// shorter on-link route is a claim over other people's networks, such as
// a rogue router's prefix information for ::/1 and 8000::/1 or a rogue
// DHCP server's classless static route 0.0.0.0/1 with router 0.0.0.0
// (TunnelVision): taken as LAN it would open half the Internet.
const (
	minOnLinkBits4 = 8
	minOnLinkBits6 = 48
)

// OnLink picks the on-link prefixes of the physical interfaces from a
// routing table: routes without a gateway that are not default routes, not
// on loopback, the tunnel or another point-to-point link, not link-local or
// multicast, and not shorter than a link can be (minOnLinkBits4,
// minOnLinkBits6). Other lengths all count: a global IPv6 /64 is how IPv6
// LAN neighbours actually talk. Another VPN's routes are on-link on its own
// adapter (WireGuard for Windows routes 0.0.0.0/1 so); counted, they would
// open the kill switch's allow-LAN rule to them.
func OnLink(routes []Route, tunnel string) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range routes {
		d := r.Dst
		switch {
		case !d.IsValid(), d.Bits() < minOnLinkBits(d), r.Gateway.IsValid(), r.Loopback, r.PointToPoint, r.Interface == tunnel,
			d.Addr().IsMulticast(), d.Addr().Is6() && linkLocal6.Overlaps(d):
			continue
		}
		d = d.Masked()
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

func minOnLinkBits(p netip.Prefix) int {
	if p.Addr().Is4() {
		return minOnLinkBits4
	}
	return minOnLinkBits6
}

// windowsPointToPoint reports whether a Windows interface type (IFTYPE,
// ipifcons.h) is a link without LAN neighbours: PPP (23), a tunnel (131:
// Teredo, 6to4, IP-HTTPS) or a software adapter (53: Wintun, used by
// WireGuard for Windows and other VPNs). Ethernet, Wi-Fi and Hyper-V's
// virtual switches (Ethernet too) are LANs.
func windowsPointToPoint(ifType uint32) bool {
	switch ifType {
	case 23, 53, 131:
		return true
	}
	return false
}
