package ipc

import (
	"context"
	"net"

	"github.com/Microsoft/go-winio"
)

// DefaultSocket is the service's named pipe; the ProtectedPrefix namespace
// means only Administrators could have created it, so a client cannot be
// tricked into talking to an impostor.
var DefaultSocket = `\\.\pipe\ProtectedPrefix\Administrators\Palisade\palisaded`

func dial(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, path)
}
