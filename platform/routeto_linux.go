package platform

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteTo asks the kernel, policy rules included, which route a packet to
// dst carrying fwmark mark (0: none) and sent by user uid (negative: this
// process's) would take, as `ip route get ... uid` does: uidrange rules
// then judge the user's programs, not the service. An unreachable,
// prohibit or blackhole route, or none at all, is a Reject hop. The
// kernel's answer is awaited until ctx's deadline at most (a netlink
// socket of its own, with that timeout).
func RouteTo(ctx context.Context, dst netip.Addr, mark uint32, uid int) (Hop, error) {
	if err := ctx.Err(); err != nil {
		return Hop{}, err
	}
	nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return Hop{}, err
	}
	defer nl.Close()
	if d, ok := ctx.Deadline(); ok {
		if err := nl.SetSocketTimeout(max(time.Until(d), time.Millisecond)); err != nil {
			return Hop{}, err
		}
	}
	opts := &netlink.RouteGetOptions{Mark: mark}
	if uid >= 0 {
		u := uint32(uid)
		opts.UID = &u
	}
	rs, err := nl.RouteGetWithOptions(net.IP(dst.AsSlice()), opts)
	if errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTUNREACH) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) {
		return Hop{Reject: true}, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return Hop{}, ctx.Err()
		}
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
