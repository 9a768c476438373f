//go:build darwin || windows

package platform

import "net/netip"

// RouteTo returns the route a packet to dst would take, read from the
// routing table. mark and uid are for Linux's policy rules and mean
// nothing here: the endpoint host routes serve the WireGuard socket like
// any other, and routes do not depend on the user.
func RouteTo(dst netip.Addr, mark uint32, uid int) (Hop, error) {
	routes, err := readRoutes()
	if err != nil {
		return Hop{}, err
	}
	return Lookup(routes, dst), nil
}
