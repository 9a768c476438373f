package platform

import (
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
)

// UplinkTo looks dst up in the routing table read through the routing
// socket (the endpoint's host route once connected, the default route
// before) and reads that interface's MTU (SIOCGIFMTU).
func UplinkTo(dst netip.Addr, tunnel string) (Uplink, error) {
	routes, err := readRoutes()
	if err != nil {
		return Uplink{}, err
	}
	hop := Lookup(routes, dst)
	if hop.Reject || hop.Interface == "" || hop.Interface == tunnel {
		return Uplink{}, fmt.Errorf("no uplink route to %s", dst)
	}
	ifc, err := net.InterfaceByName(hop.Interface)
	if err != nil {
		return Uplink{}, err
	}
	return Uplink{Interface: ifc.Name, MTU: ifc.MTU}, nil
}

// SetTunnelMTU sets the utun interface's MTU as wg-quick does.
func SetTunnelMTU(iface string, mtu int) error {
	if out, err := exec.Command("ifconfig", iface, "mtu", strconv.Itoa(mtu)).CombinedOutput(); err != nil {
		return fmt.Errorf("ifconfig %s mtu %d: %v: %s", iface, mtu, err, out)
	}
	return nil
}
