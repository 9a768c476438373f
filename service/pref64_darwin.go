package service

import (
	"log/slog"

	"github.com/palisadevpn/palisade/platform"
)

// heldNAT64 reads the kernel's NAT64 prefixes of an interface: macOS's own
// daemons parse the router advertisements (IPConfiguration puts a PREF64
// prefix there) and run RFC 7050 discovery (configd), so the service reads
// their result instead of listening itself (docs/ipv6.md).
var heldNAT64 = platform.NAT64Prefixes

// routerOptions passes no options one by one on macOS: the kernel's list
// is read whole at every re-plan (heldNAT64), which the network monitor
// starts when IPConfiguration or configd publish a new prefix in the
// dynamic store. It logs that once.
func routerOptions(log *slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(func(string, platform.RouterOption)) (func(), error) {
		log.Info("NAT64 prefixes: the kernel's list for each IPv6 default router's interface, read at every network change (PREF64 through IPConfiguration, or configd's RFC 7050 discovery); DNS64 asked when it is empty")
		return func() {}, nil
	}
}
