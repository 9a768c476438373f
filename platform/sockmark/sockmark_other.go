//go:build !linux

package sockmark

import "syscall"

// Control is a no-op outside Linux: macOS and Windows firewalls identify the
// service by its process (user root / application ID), not by a socket mark.
func Control(mark uint32) func(network, address string, c syscall.RawConn) error {
	return nil
}
