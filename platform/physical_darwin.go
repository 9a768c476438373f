package platform

// PhysicalInterfaces returns the indexes of the interfaces holding each
// family's default route outside the tunnel, 0 where there is none: where
// the service's own DNS lookups leave, whatever routes the tunnel added.
func PhysicalInterfaces(tunnel string) (if4, if6 int) {
	routes, err := readRoutes()
	if err != nil {
		return 0, 0
	}
	return indexOf(DefaultGateway(routes, false, tunnel)), indexOf(DefaultGateway(routes, true, tunnel))
}
