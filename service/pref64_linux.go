package service

import (
	"log/slog"

	"github.com/palisadevpn/palisade/platform"
)

// routerOptions reads router advertisement options: Linux passes RDNSS,
// DNSSL, captive portal and (kernels since 2020) PREF64 to programs as
// RTM_NEWNDUSEROPT messages.
func routerOptions(log *slog.Logger) func(fn func(iface string, o platform.RouterOption)) (func(), error) {
	return func(fn func(iface string, o platform.RouterOption)) (func(), error) {
		return platform.WatchRouterOptions(log, fn)
	}
}
