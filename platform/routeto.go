package platform

import "net/netip"

// Hop is where the kernel would send a packet to some address.
type Hop struct {
	// Interface is the outgoing interface; empty when Reject.
	Interface string
	Gateway   netip.Addr
	// Reject means there is no way out: an unreachable, prohibit or
	// blackhole route, or no route at all.
	Reject bool
}

// Lookup picks the route a packet to dst takes from a routing table without
// policy rules (macOS, Windows): the longest matching prefix of dst's
// family, the first of equal ones. Interface-scoped routes serve only
// sockets bound to their interface and are skipped.
func Lookup(routes []Route, dst netip.Addr) Hop {
	dst = dst.Unmap().WithZone("")
	best := -1
	for i, r := range routes {
		if r.IfScope || r.Dst.Addr().Is4() != dst.Is4() || !r.Dst.Contains(dst) {
			continue
		}
		if best < 0 || r.Dst.Bits() > routes[best].Dst.Bits() {
			best = i
		}
	}
	if best < 0 {
		return Hop{Reject: true}
	}
	r := routes[best]
	if r.Reject {
		return Hop{Reject: true}
	}
	return Hop{Interface: r.Interface, Gateway: r.Gateway}
}
