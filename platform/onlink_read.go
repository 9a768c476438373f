//go:build linux || windows

package platform

import "net/netip"

// OnLinkPrefixes reads the on-link prefixes of the physical interfaces, of
// both families, from the routing table (OnLink decides which count). macOS
// has its own: it also leaves out point-to-point links.
func OnLinkPrefixes(tunnel string) ([]netip.Prefix, error) {
	routes, err := readRoutes()
	if err != nil {
		return nil, err
	}
	return OnLink(routes, tunnel), nil
}
