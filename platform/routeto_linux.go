package platform

import (
	"errors"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteTo asks the kernel, policy rules included, which route a packet to
// dst carrying fwmark mark (0: none) and sent by user uid (negative: this
// process's) would take, as `ip route get ... uid` does: uidrange rules
// then judge the user's programs, not the service. An unreachable,
// prohibit or blackhole route, or none at all, is a Reject hop.
func RouteTo(dst netip.Addr, mark uint32, uid int) (Hop, error) {
	opts := &netlink.RouteGetOptions{Mark: mark}
	if uid >= 0 {
		u := uint32(uid)
		opts.UID = &u
	}
	rs, err := netlink.RouteGetWithOptions(net.IP(dst.AsSlice()), opts)
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
