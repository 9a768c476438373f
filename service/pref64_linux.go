package service

import (
	"log/slog"
	"net/netip"

	"github.com/palisadevpn/palisade/platform"
)

// routerOptions reads router advertisement options from a raw ICMPv6
// socket (platform.WatchRouterOptions says why not from the kernel's
// netlink messages).
func routerOptions(log *slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(fn func(iface string, o platform.RouterOption)) (func(), error) {
		return platform.WatchRouterOptions(log, fn)
	}
}

// heldNAT64 is nil: Linux keeps no NAT64 prefix list of its own; the
// options come one by one (routerOptions).
var heldNAT64 func(iface string) ([]netip.Prefix, error)
