package platform

import (
	"net/netip"
)

// Gateway is a physical default route: where the tunnel endpoint's host
// route must point on OSes without policy routing. A gateway without a
// NextHop is an interface route (PPP, a link# default on macOS): the
// endpoint's host route then names the interface instead of a router.
type Gateway struct {
	Interface string
	// LUID identifies the interface on Windows, where routes are added
	// and deleted by it.
	LUID    uint64
	NextHop netip.Addr
	Metric  uint32
}

// SplitRoute is one route of a split-default plan.
type SplitRoute struct {
	Dst netip.Prefix
	// Via is the gateway for endpoint host routes; nil routes via the tunnel.
	Via *Gateway
	// Reject makes the route unreachable (IPv6 beside a v4-only tunnel).
	Reject bool
	// Blackhole silently drops an endpoint's packets when its family has no
	// default route outside the tunnel: without it the handshakes would be
	// routed into the tunnel itself and loop (wg-quick does the same).
	Blackhole bool
}

// OutlivesTunnel reports whether the route stays when the tunnel interface
// goes away, so it must be journaled and removed explicitly.
func (r SplitRoute) OutlivesTunnel() bool {
	return r.Via != nil || r.Reject || r.Blackhole
}

// SplitPlan turns a plan into routes for macOS and Windows: the halves of
// each tunnelled default, the other allowed IPs, rejecting IPv6 halves when
// Block6, and a host route per endpoint via the gateway of its family.
// Endpoints of a family without a gateway get a blackhole route; loopback
// endpoints get none.
func SplitPlan(p Plan, endpoints []netip.AddrPort, gw4, gw6 *Gateway) []SplitRoute {
	var out []SplitRoute
	for _, d := range SplitDefaults(p.Default4, p.Default6) {
		out = append(out, SplitRoute{Dst: d})
	}
	for _, r := range p.Routes {
		out = append(out, SplitRoute{Dst: r})
	}
	if p.Block6 {
		for _, d := range SplitDefaults(false, true) {
			out = append(out, SplitRoute{Dst: d, Reject: true})
		}
	}
	seen := map[netip.Addr]bool{}
	for _, ep := range endpoints {
		a := ep.Addr().Unmap()
		gw := gw4
		if a.Is6() {
			gw = gw6
		}
		// A loopback endpoint (a peer on this host) is already on lo0,
		// more specific than any tunnel route; a host route via the LAN
		// gateway would break it.
		if seen[a] || a.IsLoopback() {
			continue
		}
		seen[a] = true
		out = append(out, SplitRoute{Dst: netip.PrefixFrom(a, a.BitLen()), Via: gw, Blackhole: gw == nil})
	}
	return out
}

// BestGateway picks the default route with the lowest metric that is not on
// the tunnel interface.
func BestGateway(candidates []Gateway, tunnel string) *Gateway {
	var best *Gateway
	for i := range candidates {
		c := &candidates[i]
		if c.Interface == tunnel || !c.NextHop.IsValid() {
			continue
		}
		if best == nil || c.Metric < best.Metric {
			best = c
		}
	}
	return best
}

// DefaultGateway picks a family's default route outside the tunnel from a
// routing table: an unscoped default route not on the tunnel or loopback,
// one with a next hop before an interface-only one. A default that points
// into the tunnel (seed 003: a link# default on the tunnel's own network
// service) is no way out, so nil is returned and the endpoint blackholed.
func DefaultGateway(routes []Route, v6 bool, tunnel string) *Gateway {
	var best *Gateway
	for _, r := range routes {
		if !r.Dst.IsValid() || r.Dst.Bits() != 0 || r.Dst.Addr().Is6() != v6 ||
			r.IfScope || r.Loopback || r.Interface == "" || r.Interface == tunnel {
			continue
		}
		g := &Gateway{Interface: r.Interface, NextHop: r.Gateway}
		if best == nil || (!best.NextHop.IsValid() && g.NextHop.IsValid()) {
			best = g
		}
	}
	return best
}
