//go:build darwin || windows

package platform

import "net/netip"

// RouteTo returns the route a packet to dst would take, read from the
// routing table. mark is Linux's fwmark and means nothing here: the
// endpoint host routes serve the WireGuard socket like any other.
func RouteTo(dst netip.Addr, mark uint32) (Hop, error) {
	routes, err := readRoutes()
	if err != nil {
		return Hop{}, err
	}
	return Lookup(routes, dst), nil
}
