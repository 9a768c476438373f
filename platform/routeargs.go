package platform

import (
	"net/netip"
	"strings"
)

// This file builds macOS route(8) and ifconfig(8) arguments. It is OS-free
// so every form is unit-tested off macOS; route_darwin.go only runs them.

// routeFamily is route(8)'s family flag for p.
func routeFamily(p netip.Prefix) string {
	if p.Addr().Is6() {
		return "-inet6"
	}
	return "-inet"
}

// routeAddArgs are the arguments adding rt, in wg-quick's forms: endpoint
// host routes via the gateway (a link-local IPv6 gateway keeps its scope,
// or the kernel cannot tell which link it is on), or via the interface when
// the default route has no next hop; a blackhole for an endpoint of a family
// without a way out; reject routes for IPv6 beside a v4-only tunnel; and the
// rest via the tunnel interface.
func routeAddArgs(rt SplitRoute, tunnel string) []string {
	args := []string{"-q", "-n", "add", routeFamily(rt.Dst), rt.Dst.String()}
	switch {
	case rt.Via != nil && rt.Via.NextHop.IsValid():
		args = append(args, "-gateway", scopedGateway(*rt.Via).String())
	case rt.Via != nil:
		args = append(args, "-interface", rt.Via.Interface)
	case rt.Blackhole:
		args = append(args, loopbackFor(rt.Dst), "-blackhole")
	case rt.Reject:
		args = append(args, loopbackFor(rt.Dst), "-reject")
	default:
		args = append(args, "-interface", tunnel)
	}
	return args
}

// routeDeleteArgs removes the route to dst whatever it points at: after a
// crash or a network change the gateway it was added with may be gone.
func routeDeleteArgs(dst netip.Prefix) []string {
	return []string{"-q", "-n", "delete", routeFamily(dst), dst.String()}
}

// scopedGateway gives a link-local IPv6 next hop the zone of its interface
// when it has none.
func scopedGateway(g Gateway) netip.Addr {
	nh := g.NextHop
	if nh.Is6() && (nh.IsLinkLocalUnicast() || nh.IsLinkLocalMulticast()) && nh.Zone() == "" && g.Interface != "" {
		return nh.WithZone(g.Interface)
	}
	return nh
}

func loopbackFor(p netip.Prefix) string {
	if p.Addr().Is6() {
		return "::1"
	}
	return "127.0.0.1"
}

// routeExists tells route(8)'s "File exists" failure: a route to the same
// destination is already there (a leftover, or one for an old gateway).
func routeExists(out string) bool {
	return strings.Contains(out, "File exists")
}

// routeMissing tells route(8)'s failure to delete a route that is not there,
// which undoing treats as done.
func routeMissing(out string) bool {
	return strings.Contains(out, "not in table")
}

// addressArgs are ifconfig's arguments adding a tunnel address.
func addressArgs(iface string, a netip.Prefix) []string {
	if a.Addr().Is4() {
		return []string{iface, "inet", a.String(), a.Addr().String(), "alias"}
	}
	return []string{iface, "inet6", a.String(), "alias"}
}
