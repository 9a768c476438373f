package platform

import "net/netip"

// winRoutePlan is what the Windows router installs for a split plan: the
// routes on the tunnel adapter (SetRoutes replaces them all at once), the
// endpoint host routes via a physical gateway (journaled), and the
// endpoints left without one until a gateway appears. It is OS-free so
// every decision is tested off Windows; route_windows.go only applies it.
type winRoutePlan struct {
	// Tunnel routes have the unspecified address of their own family as
	// next hop (on-link on the adapter): an IPv4 route with an IPv6 next
	// hop is refused (ERROR_INVALID_PARAMETER) and fails the connect.
	Tunnel []winTunnelRoute
	Hosts  []JournaledRoute
	// Waiting are endpoints whose family has no default route outside the
	// tunnel. Windows has no blackhole routes; a re-plan adds their host
	// routes once a gateway appears.
	Waiting []netip.Prefix
	// FirewallOnly are blocked-family halves that cannot go into an
	// adapter without IPv6 (DisabledComponents; the plan is then
	// IPv4-only, WithoutTunnelIPv6): adding them would fail the connect,
	// so the firewall's family block (rendered whatever the kill switch)
	// stops that family alone.
	FirewallOnly []netip.Prefix
}

// winTunnelRoute is one route on the tunnel adapter.
type winTunnelRoute struct {
	Dst     netip.Prefix
	NextHop netip.Addr
}

// windowsRoutes sorts a split plan's routes for the Windows router;
// adapter6 tells whether the tunnel adapter runs IPv6. Reject
// routes (the halves of a family the tunnel does not carry, Block4 or
// Block6) also go into the tunnel: Windows has no reject routes, the
// tunnel drops what its allowed IPs do not cover, and the firewall's
// family block (WFP) makes it fail fast; this keeps that family off the
// LAN gateway.
func windowsRoutes(routes []SplitRoute, adapter6 bool) winRoutePlan {
	var p winRoutePlan
	for _, rt := range routes {
		switch {
		case rt.Reject && rt.Dst.Addr().Is6() && !adapter6:
			p.FirewallOnly = append(p.FirewallOnly, rt.Dst)
		case rt.Blackhole:
			p.Waiting = append(p.Waiting, rt.Dst)
		case rt.Via != nil:
			p.Hosts = append(p.Hosts, rt.Journaled())
		default:
			p.Tunnel = append(p.Tunnel, winTunnelRoute{Dst: rt.Dst, NextHop: unspecified(rt.Dst)})
		}
	}
	return p
}

// unspecified is the on-link next hop of p's family.
func unspecified(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}
