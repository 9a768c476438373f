//go:build !linux

package dnsproxy

import "syscall"

// markControl is a no-op outside Linux: macOS and Windows firewalls identify the
// resolver by its process (user root / service SID), not by a socket mark.
func markControl(mark uint32) func(network, address string, c syscall.RawConn) error {
	return nil
}
