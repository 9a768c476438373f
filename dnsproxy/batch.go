package dnsproxy

import (
	"net"

	"golang.org/x/net/ipv4"
)

// batchConn reads and writes datagrams several at a time where the OS
// can: the batch interface of golang.org/x/net's ipv4 and ipv6 packet
// connections, whose Message type both share.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// singleConn moves one datagram per call through the plain net API, for
// platforms where x/net has no batch support; on Windows it has no message
// calls at all.
type singleConn struct{ pc *net.UDPConn }

func (c singleConn) ReadBatch(ms []ipv4.Message, _ int) (int, error) {
	n, addr, err := c.pc.ReadFromUDP(ms[0].Buffers[0])
	if err != nil {
		return 0, err
	}
	ms[0].N, ms[0].Addr = n, addr
	return 1, nil
}

func (c singleConn) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	if _, err := c.pc.WriteTo(ms[0].Buffers[0], ms[0].Addr); err != nil {
		return 0, err
	}
	return 1, nil
}
