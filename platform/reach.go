package platform

// Reach says which address families have a way off the host outside the
// tunnel: a default route of that family. The endpoint family follows it
// (an IPv6-only network reaches IPv4 servers only through NAT64).
type Reach struct {
	IPv4, IPv6 bool
}

// ReachFrom decides Reach from a routing table, with the same rule as the
// endpoint host routes: a default route not on loopback or the tunnel.
func ReachFrom(routes []Route, tunnel string) Reach {
	return Reach{
		IPv4: DefaultGateway(routes, false, tunnel) != nil,
		IPv6: DefaultGateway(routes, true, tunnel) != nil,
	}
}

// HostReach reads the routing table and decides Reach.
func HostReach(tunnel string) (Reach, error) {
	routes, err := readRoutes()
	if err != nil {
		return Reach{}, err
	}
	return ReachFrom(routes, tunnel), nil
}

// ReadRoutes reads the unicast routes of both families from the main
// routing table.
func ReadRoutes() ([]Route, error) { return readRoutes() }
