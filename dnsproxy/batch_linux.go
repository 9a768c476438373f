package dnsproxy

import (
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// newBatchConn uses recvmmsg and sendmmsg.
func newBatchConn(pc *net.UDPConn) batchConn {
	if pc.LocalAddr().(*net.UDPAddr).IP.To4() != nil {
		return ipv4.NewPacketConn(pc)
	}
	return ipv6.NewPacketConn(pc)
}
