package service

import (
	"log/slog"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// bootBlock puts the kill switch in place as the first thing the service
// does at start when the saved settings say `always`, before anything
// slower (leftover cleanup runs route(8) and scutil, then the split-tunnel
// groups, the profile store, the network reads). pf rules and nftables
// tables do not outlive a reboot, and on macOS launchd cannot start a job
// before another, so until this apply nothing blocks (docs/firewall.md,
// "The boot window"). The manager replaces this policy moments later with
// the complete one (on-link prefixes, endpoint lookups) in one
// transaction. It reports whether it applied a block, in one log line.
func bootBlock(log *slog.Logger, stateDir string, fw firewall.Backend, hostIPv6 bool) bool {
	s, err := settings.Peek(stateDir)
	if err != nil {
		log.Info("kill switch not applied early: settings unreadable (the manager reads them next)", "err", err)
		return false
	}
	p, ok := bootPolicy(s, hostIPv6)
	if !ok {
		return false
	}
	if err := fw.Apply(p); err != nil {
		log.Error("kill switch always: early block failed (the manager applies it again)", "err", err)
		return false
	}
	log.Info("kill switch always: traffic blocked before the rest of the start", "allow_lan", s.AllowLAN)
	return true
}

// bootPolicy is the policy of a disconnected service under s, when s asks
// for a block from boot (kill switch `always`); ok is false otherwise (auto
// arms only after a connect of this or a journaled session, which the
// manager decides).
func bootPolicy(s settings.Settings, hostIPv6 bool) (p firewall.Policy, ok bool) {
	if s.KillSwitch != settings.KillSwitchAlways {
		return firewall.Policy{}, false
	}
	in := firewall.Input{
		State:    firewall.TunnelState(ipc.Disconnected),
		Mode:     firewall.Mode(s.KillSwitch),
		AllowLAN: s.AllowLAN,
		HostIPv6: hostIPv6,
	}
	if s.DNS.Mode != settings.DNSExisting {
		in.DNS = firewall.DNS{Manage: true, Mark: platform.DNSMark}
	}
	return firewall.Compute(in), true
}
