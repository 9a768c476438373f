//go:build !windows

package ipc

import (
	"context"
	"net"
)

// DefaultSocket is where the service listens unless told otherwise.
var DefaultSocket = defaultSocket()

func dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}
