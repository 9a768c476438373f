package platform

import (
	"net"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// PhysicalInterfaces returns the indexes of the interfaces holding each
// family's best default route outside the tunnel, 0 where there is none:
// where the service's own DNS lookups leave, whatever routes the tunnel
// added.
func PhysicalInterfaces(tunnel string) (if4, if6 int) {
	luid, _ := luidByName(tunnel)
	return indexOf(bestGateway(windows.AF_INET, luid)), indexOf(bestGateway(windows.AF_INET6, luid))
}

// luidByName is the LUID of the interface named name; winipcfg addresses
// interfaces by LUID, Go's net package names them.
func luidByName(name string) (winipcfg.LUID, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return winipcfg.LUIDFromIndex(uint32(ifc.Index))
}
