package dnsproxy

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// markControl returns a net.Dialer Control func that sets SO_MARK on upstream
// sockets, so the firewall can let only the resolver reach the upstreams and
// policy routing can steer them. A zero mark leaves sockets untouched.
func markControl(mark uint32) func(network, address string, c syscall.RawConn) error {
	if mark == 0 {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
		})
		if err != nil {
			return err
		}
		return serr
	}
}
