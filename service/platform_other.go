//go:build !linux && !darwin

package service

import "log/slog"

// addPlatform adds the per-OS parts beyond routing and the firewall.
func addPlatform(env *Env) error { return nil }

// watchNetwork is not written for this OS yet: the LAN prefixes are read at
// each state change.
func watchNetwork(m *Manager, log *slog.Logger) (stop func(), err error) {
	return func() {}, nil
}
