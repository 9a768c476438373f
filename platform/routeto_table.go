//go:build darwin || windows

package platform

import (
	"context"
	"net/netip"
)

// RouteTo returns the route a packet to dst would take, read from the
// routing table. mark and uid are for Linux's policy rules and mean
// nothing here: the endpoint host routes serve the WireGuard socket like
// any other, and routes do not depend on the user. The table is read by
// one system call (sysctl, GetIPForwardTable2), which cannot be cut
// short; a ctx ended by then is reported instead of its result.
func RouteTo(ctx context.Context, dst netip.Addr, mark uint32, uid int) (Hop, error) {
	if err := ctx.Err(); err != nil {
		return Hop{}, err
	}
	routes, err := readRoutes()
	if err != nil {
		return Hop{}, err
	}
	if err := ctx.Err(); err != nil {
		return Hop{}, err
	}
	return Lookup(routes, dst), nil
}
