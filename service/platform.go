package service

import (
	"log/slog"
	"net/netip"

	"github.com/palisadevpn/palisade/platform"
)

// addPlatform adds the per-OS parts beyond routing and the firewall.
func addPlatform(env *Env) error {
	iface, log := env.Interface, env.Log
	env.OnLink = func() []netip.Prefix {
		p, err := platform.OnLinkPrefixes(iface)
		if err != nil {
			log.Warn("on-link prefixes unreadable", "err", err)
		}
		return p
	}
	return nil
}

// watchNetwork follows the network: the firewall's LAN prefixes, and on
// macOS and Windows the endpoint host routes and DNS
// (Manager.NetworkChanged).
func watchNetwork(m *Manager, log *slog.Logger) (stop func(), err error) {
	mon, err := platform.NewMonitor(log, m.NetworkChanged)
	if err != nil {
		return nil, err
	}
	return mon.Close, nil
}
