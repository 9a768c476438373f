package sockmark

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Control returns a net.Dialer Control func that sets SO_MARK on the
// dialer's sockets. A zero mark leaves sockets untouched.
func Control(mark uint32) func(network, address string, c syscall.RawConn) error {
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

// Bound is Control on Linux: the mark alone keeps the socket off the tunnel,
// since policy routing sends marked packets through the main table, so the
// interface indexes are not needed.
func Bound(mark uint32, if4, if6 int) func(network, address string, c syscall.RawConn) error {
	return Control(mark)
}
