//go:build !linux

package service

import (
	"errors"
	"log/slog"

	"github.com/palisadevpn/palisade/platform"
)

// routerOptions says why this OS gives no router advertisement options:
// macOS offers the prefix to programs only through Network.framework (cgo,
// which the service does without) and Windows not at all; the raw-socket
// listener of Linux stays off here until a real runner can test it
// (docs/ipv6.md).
func routerOptions(*slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(func(iface string, o platform.RouterOption)) (func(), error) {
		return nil, errors.New("router advertisements are not read on this OS yet (docs/ipv6.md)")
	}
}
