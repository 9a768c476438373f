package sockmark

import (
	"encoding/binary"
	"syscall"

	"golang.org/x/sys/windows"
)

// IP_UNICAST_IF and IPV6_UNICAST_IF (ws2ipdef.h); x/sys/windows lacks them.
const (
	ipUnicastIF   = 31
	ipv6UnicastIF = 31
)

// Bound sends each socket out of the physical interface of its family
// (IP_UNICAST_IF / IPV6_UNICAST_IF, as wireguard-windows binds its own
// socket), even while the tunnel's routes cover its destination; an index
// of 0 leaves it to the routing table. Windows has no socket mark: the
// firewall knows the service by its application ID.
func Bound(mark uint32, if4, if6 int) func(network, address string, c syscall.RawConn) error {
	return binder(if4, if6, func(fd uintptr, v6 bool, index int) error {
		h := windows.Handle(fd)
		if v6 {
			return windows.SetsockoptInt(h, windows.IPPROTO_IPV6, ipv6UnicastIF, index)
		}
		// The IPv4 option takes the index in network byte order.
		var be [4]byte
		binary.BigEndian.PutUint32(be[:], uint32(index))
		return windows.SetsockoptInt(h, windows.IPPROTO_IP, ipUnicastIF, int(binary.NativeEndian.Uint32(be[:])))
	})
}
