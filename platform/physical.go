//go:build darwin || windows

package platform

import "net"

// indexOf returns the index of a gateway's interface, 0 when there is none.
func indexOf(g *Gateway) int {
	if g == nil {
		return 0
	}
	ifc, err := net.InterfaceByName(g.Interface)
	if err != nil {
		return 0
	}
	return ifc.Index
}
