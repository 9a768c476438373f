package platform

import (
	"net"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// readRoutes reads the routing table of both families. On-link routes
// have an unspecified next hop on Windows.
func readRoutes() ([]Route, error) {
	rows, err := winipcfg.GetIPForwardTable2(windows.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	var routes []Route
	p2p := map[winipcfg.LUID]bool{}
	for _, row := range rows {
		rt := Route{Dst: row.DestinationPrefix.Prefix(), Interface: "?"}
		if ifc, err := net.InterfaceByIndex(int(row.InterfaceIndex)); err == nil {
			rt.Interface = ifc.Name
			rt.Loopback = ifc.Flags&net.FlagLoopback != 0
		}
		isP2P, ok := p2p[row.InterfaceLUID]
		if !ok {
			if ifrow, err := row.InterfaceLUID.Interface(); err == nil {
				isP2P = windowsPointToPoint(uint32(ifrow.Type))
			}
			p2p[row.InterfaceLUID] = isP2P
		}
		rt.PointToPoint = isP2P
		if nh := row.NextHop.Addr(); nh.IsValid() && !nh.IsUnspecified() {
			rt.Gateway = nh
		}
		routes = append(routes, rt)
	}
	return routes, nil
}
