package platform

// PhysicalInterfaces returns 0, 0 on Linux: the service's sockets carry
// FwMark, which policy routing already keeps out of the tunnel, so they are
// not bound to an interface.
func PhysicalInterfaces(tunnel string) (if4, if6 int) { return 0, 0 }
