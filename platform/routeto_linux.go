package platform

import (
	"errors"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteTo asks the kernel, policy rules included, which route a packet to
// dst carrying fwmark mark (0: none) would take, as `ip route get` does. An
// unreachable, prohibit or blackhole route, or none at all, is a Reject hop.
func RouteTo(dst netip.Addr, mark uint32) (Hop, error) {
	rs, err := netlink.RouteGetWithOptions(net.IP(dst.AsSlice()), &netlink.RouteGetOptions{Mark: mark})
	if errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTUNREACH) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) {
		return Hop{Reject: true}, nil
	}
	if err != nil {
		return Hop{}, err
	}
	if len(rs) == 0 || rs[0].Type != unix.RTN_UNICAST {
		return Hop{Reject: true}, nil
	}
	h := Hop{}
	if gw, ok := netip.AddrFromSlice(rs[0].Gw); ok {
		h.Gateway = gw.Unmap()
	}
	if ifc, err := net.InterfaceByIndex(rs[0].LinkIndex); err == nil {
		h.Interface = ifc.Name
	}
	return h, nil
}
