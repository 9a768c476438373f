package sockmark

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Bound binds each socket to the physical interface of its family
// (IP_BOUND_IF / IPV6_BOUND_IF), so it leaves there even while the tunnel's
// routes cover its destination; an index of 0 leaves it to the routing
// table. macOS has no socket mark: the firewall knows the service as root.
func Bound(mark uint32, if4, if6 int) func(network, address string, c syscall.RawConn) error {
	return binder(if4, if6, func(fd uintptr, v6 bool, index int) error {
		if v6 {
			return unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_BOUND_IF, index)
		}
		return unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BOUND_IF, index)
	})
}
