package sockmark

import (
	"strings"
	"syscall"
)

// bindIndex picks the interface a socket of network ("udp4", "tcp6", ...)
// is bound to: if6 for IPv6 sockets, if4 otherwise; 0 means unbound.
func bindIndex(network string, if4, if6 int) (v6 bool, index int) {
	if strings.HasSuffix(network, "6") {
		return true, if6
	}
	return false, if4
}

// binder returns a Control func that calls set with each socket's
// descriptor, family and interface index, unless the index is 0. set is
// the OS's socket option.
func binder(if4, if6 int, set func(fd uintptr, v6 bool, index int) error) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		v6, index := bindIndex(network, if4, if6)
		if index == 0 {
			return nil
		}
		var serr error
		if err := c.Control(func(fd uintptr) { serr = set(fd, v6, index) }); err != nil {
			return err
		}
		return serr
	}
}
