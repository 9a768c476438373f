package platform

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// UplinkTo asks the kernel which interface a WireGuard packet (FwMark, so
// past the tunnel's own table) to dst leaves by, as wg-quick's
// `ip route get` does; a route MTU lower than the link's wins.
func UplinkTo(dst netip.Addr, tunnel string) (Uplink, error) {
	rs, err := netlink.RouteGetWithOptions(net.IP(dst.Unmap().AsSlice()), &netlink.RouteGetOptions{Mark: FwMark})
	if err != nil {
		return Uplink{}, err
	}
	if len(rs) == 0 {
		return Uplink{}, fmt.Errorf("no route to %s", dst)
	}
	link, err := netlink.LinkByIndex(rs[0].LinkIndex)
	if err != nil {
		return Uplink{}, err
	}
	u := Uplink{Interface: link.Attrs().Name, MTU: link.Attrs().MTU}
	if rs[0].MTU > 0 && rs[0].MTU < u.MTU {
		u.MTU = rs[0].MTU
	}
	return u, nil
}

// SetTunnelMTU sets the tunnel interface's MTU; wireguard-go follows the
// link's change itself.
func SetTunnelMTU(iface string, mtu int) error {
	link, err := netlink.LinkByName(iface)
	if err != nil {
		return err
	}
	return netlink.LinkSetMTU(link, mtu)
}
