//go:build linux || darwin

package auth

import (
	"net"
	"os"
	"syscall"
)

// socketpair returns two connected Unix stream sockets as net.Conns.
func socketpair() ([2]net.Conn, error) {
	var conns [2]net.Conn
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return conns, err
	}
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return conns, err
		}
		conns[i] = c
	}
	return conns, nil
}
