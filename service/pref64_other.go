//go:build !linux && !darwin

package service

import (
	"errors"
	"log/slog"
	"net/netip"

	"github.com/palisadevpn/palisade/platform"
)

// routerOptions says why this OS gives no router advertisement options:
// Windows passes none to programs, and the raw-socket listener of Linux
// stays off here until a real runner can test it (docs/ipv6.md).
func routerOptions(*slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(func(iface string, o platform.RouterOption)) (func(), error) {
		return nil, errors.New("router advertisements are not read on this OS yet (docs/ipv6.md)")
	}
}

// heldNAT64 is nil: this OS keeps no NAT64 prefix list programs can read.
var heldNAT64 func(iface string) ([]netip.Prefix, error)
