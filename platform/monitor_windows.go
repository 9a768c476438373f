package platform

import (
	"errors"
	"log/slog"

	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// NewMonitor calls onChange (debounced) after route or IP interface
// changes: a new default route, an interface going up or down, a changed
// metric. The service then re-plans the endpoint host routes and refreshes
// the on-link prefixes and the firewall.
func NewMonitor(log *slog.Logger, onChange func()) (*Monitor, error) {
	// The monitor exists before the callbacks, which may fire at once.
	m := newMonitor(nil)
	routes, err := winipcfg.RegisterRouteChangeCallback(func(winipcfg.MibNotificationType, *winipcfg.MibIPforwardRow2) { m.notify() })
	if err != nil {
		return nil, err
	}
	ifaces, err := winipcfg.RegisterInterfaceChangeCallback(func(winipcfg.MibNotificationType, *winipcfg.MibIPInterfaceRow) { m.notify() })
	if err != nil {
		return nil, errors.Join(err, routes.Unregister())
	}
	m.stop = func() {
		routes.Unregister()
		ifaces.Unregister()
	}
	go m.debounceLoop(log, onChange)
	return m, nil
}
