package platform

import (
	"net/netip"
	"slices"

	"github.com/palisadevpn/palisade/platform/coverage"
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

// SplitPlan turns a plan into routes for macOS and Windows, which have no
// policy routing: the plan's routes via the tunnel, a /0 as its two /1
// halves so the physical default route stays; unreachable halves of a
// blocked family (Block4, Block6); and, for every profile, split or full, a host route per endpoint
// via the gateway of its family, so the WireGuard socket's own packets never
// enter the tunnel even when an allowed range contains the endpoint.
// Endpoints of a family without a gateway get a blackhole route; loopback
// endpoints get none.
func SplitPlan(p Plan, endpoints []netip.AddrPort, gw4, gw6 *Gateway) []SplitRoute {
	var hosts []SplitRoute
	for _, ep := range endpoints {
		a := ep.Addr().Unmap()
		gw := gw4
		if a.Is6() {
			gw = gw6
		}
		// A loopback endpoint (a peer on this host) is already on lo0,
		// more specific than any tunnel route; a host route via the LAN
		// gateway would break it.
		if a.IsLoopback() {
			continue
		}
		hosts = appendNew(hosts, nil, SplitRoute{Dst: netip.PrefixFrom(a, a.BitLen()), Via: gw, Blackhole: gw == nil})
	}
	var out []SplitRoute
	for _, r := range p.Routes {
		for _, d := range withoutDefault(r) {
			out = appendNew(out, hosts, SplitRoute{Dst: d})
		}
	}
	// Pinned upstreams get host routes into the tunnel: longer than any
	// LAN route that covers the same range, they keep the resolver's
	// tunnel upstreams in the tunnel (PinnedRules on Linux).
	for _, d := range p.Pinned {
		out = appendNew(out, hosts, SplitRoute{Dst: d})
	}
	for _, all := range []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)} {
		if p.Blocked(coverage.Of(all)) {
			for _, d := range withoutDefault(all) {
				out = appendNew(out, hosts, SplitRoute{Dst: d, Reject: true})
			}
		}
	}
	return append(out, hosts...)
}

// appendNew appends rt unless out or taken already has a route to its
// destination: the first decision for a destination stands, and an
// endpoint's host route always wins over a tunnel route to the same host.
func appendNew(out, taken []SplitRoute, rt SplitRoute) []SplitRoute {
	same := func(o SplitRoute) bool { return o.Dst == rt.Dst }
	if slices.ContainsFunc(out, same) || slices.ContainsFunc(taken, same) {
		return out
	}
	return append(out, rt)
}

// withoutDefault returns a /0 as its two /1 halves, which win over the
// physical default route by being longer without replacing it, and any
// other prefix as it is.
func withoutDefault(r netip.Prefix) []netip.Prefix {
	if r.Bits() != 0 {
		return []netip.Prefix{r}
	}
	hi := netip.AddrFrom4([4]byte{128})
	if r.Addr().Is6() {
		hi = netip.AddrFrom16([16]byte{0x80})
	}
	return []netip.Prefix{netip.PrefixFrom(r.Addr(), 1), netip.PrefixFrom(hi, 1)}
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
// routing table: one not on the tunnel or loopback, a next hop before an
// interface-only route. Unscoped defaults come first; macOS keeps the other
// services' defaults as interface-scoped routes (RTF_IFSCOPE), and those are
// the way out once the tunnel's own service is primary and its default
// points into the tunnel (seed 003's link# default). Without any, nil is
// returned and the endpoint is blackholed rather than looped into utun.
func DefaultGateway(routes []Route, v6 bool, tunnel string) *Gateway {
	for _, scoped := range []bool{false, true} {
		var best *Gateway
		for _, r := range routes {
			if !r.Dst.IsValid() || r.Dst.Bits() != 0 || r.Dst.Addr().Is6() != v6 || r.IfScope != scoped ||
				r.Loopback || r.Interface == "" || r.Interface == tunnel {
				continue
			}
			g := &Gateway{Interface: r.Interface, NextHop: r.Gateway}
			if best == nil || (!best.NextHop.IsValid() && g.NextHop.IsValid()) {
				best = g
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}
