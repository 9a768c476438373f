package platform

import (
	"fmt"
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

var procGetBestRoute2 = windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetBestRoute2")

// UplinkTo asks GetBestRoute2 which interface a packet to dst leaves by
// (the endpoint's host route once connected, the default route before)
// and reads that interface's NL MTU for dst's family. Should the route
// lead into the tunnel or the call fail, the family's best default route
// outside the tunnel counts instead, as wireguard-windows' MTU monitor
// follows it.
func UplinkTo(dst netip.Addr, tunnel string) (Uplink, error) {
	dst = dst.Unmap()
	family := winipcfg.AddressFamily(windows.AF_INET)
	if dst.Is6() {
		family = windows.AF_INET6
	}
	tluid, _ := luidByName(tunnel)
	luid, name, err := bestRoute(dst)
	if err != nil || luid == tluid {
		gw := bestGateway(family, tluid)
		if gw == nil {
			return Uplink{}, fmt.Errorf("no route to %s outside the tunnel", dst)
		}
		luid, name = winipcfg.LUID(gw.LUID), gw.Interface
	}
	ipif, err := luid.IPInterface(family)
	if err != nil {
		return Uplink{}, err
	}
	return Uplink{Interface: name, MTU: int(ipif.NLMTU)}, nil
}

// bestRoute is GetBestRoute2 for dst: the outgoing interface's LUID and
// name.
func bestRoute(dst netip.Addr) (winipcfg.LUID, string, error) {
	var to, src winipcfg.RawSockaddrInet
	if err := to.SetAddr(dst); err != nil {
		return 0, "", err
	}
	var row winipcfg.MibIPforwardRow2
	r, _, _ := procGetBestRoute2.Call(0, 0, 0, uintptr(unsafe.Pointer(&to)), 0, uintptr(unsafe.Pointer(&row)), uintptr(unsafe.Pointer(&src)))
	if r != 0 {
		return 0, "", fmt.Errorf("GetBestRoute2 %s: %w", dst, windows.Errno(r))
	}
	name := fmt.Sprint(row.InterfaceIndex)
	if ifc, err := net.InterfaceByIndex(int(row.InterfaceIndex)); err == nil {
		name = ifc.Name
	}
	return row.InterfaceLUID, name, nil
}

// SetTunnelMTU sets the tunnel's NL MTU for each family it runs.
func SetTunnelMTU(iface string, mtu int) error {
	luid, err := luidByName(iface)
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
