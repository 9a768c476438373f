//go:build !linux

package service

import (
	"errors"
	"log/slog"

	"github.com/palisadevpn/palisade/platform"
)

// routerOptions says why this OS gives no router advertisement options:
// macOS uses PREF64 itself and offers the prefix to programs only through
// Network.framework (cgo, which the service does without), and Windows
// has no interface for it; reading advertisements directly would take a
// raw ICMPv6 socket, one more privileged listener (docs/ipv6.md).
func routerOptions(*slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(func(iface string, o platform.RouterOption)) (func(), error) {
		return nil, errors.New("this OS does not pass router advertisement options (PREF64) to programs")
	}
}
