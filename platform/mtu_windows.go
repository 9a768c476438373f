package platform

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// UplinkTo reads the NL MTU of the interface holding dst's family's best
// default route outside the tunnel, as wireguard-windows' MTU monitor
// follows the default route interface.
func UplinkTo(dst netip.Addr, tunnel string) (Uplink, error) {
	family := winipcfg.AddressFamily(windows.AF_INET)
	if dst.Unmap().Is6() {
		family = windows.AF_INET6
	}
	var tluid winipcfg.LUID
	if ifc, err := net.InterfaceByName(tunnel); err == nil {
		tluid, _ = winipcfg.LUIDFromIndex(uint32(ifc.Index))
	}
	gw := bestGateway(family, tluid)
	if gw == nil {
		return Uplink{}, fmt.Errorf("no default route for %s", dst)
	}
	ipif, err := winipcfg.LUID(gw.LUID).IPInterface(family)
	if err != nil {
		return Uplink{}, err
	}
	return Uplink{Interface: gw.Interface, MTU: int(ipif.NLMTU)}, nil
}

// SetTunnelMTU sets the tunnel's NL MTU for each family it runs.
func SetTunnelMTU(iface string, mtu int) error {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return err
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
	if err != nil {
		return err
	}
	for _, family := range []winipcfg.AddressFamily{windows.AF_INET, windows.AF_INET6} {
		ipif, err := luid.IPInterface(family)
		if err != nil {
			continue // the family is off on the tunnel
		}
		ipif.NLMTU = uint32(mtu)
		if err := ipif.Set(); err != nil {
			return fmt.Errorf("MTU %d on %s: %w", mtu, iface, err)
		}
	}
	return nil
}
