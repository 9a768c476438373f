//go:build !linux

package dnsproxy

import "net"

// newBatchConn moves one datagram per call: x/net batches only on Linux.
func newBatchConn(pc *net.UDPConn) batchConn { return singleConn{pc} }
