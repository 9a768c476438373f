package service

import (
	"log/slog"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// bootBlock puts the kill switch in place as the first thing the service
// does at start when it will block anyway: the saved settings say
// `always`, or `auto` and the journal says it was armed (the service was
// stopped or the machine shut down with a session the user had not
// ended, as the manager decides a few steps later), before anything
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
	j, err := readJournal(stateDir)
	if err != nil {
		log.Info("journal unreadable: only kill switch always blocks early (the manager reads it next)", "err", err)
	}
	p, ok := bootPolicy(s, j.Armed, hostIPv6)
	if !ok {
		return false
	}
	if err := fw.Apply(p); err != nil {
		log.Error("kill switch: early block failed (the manager applies it again)", "mode", s.KillSwitch, "err", err)
		return false
	}
	log.Info("kill switch: traffic blocked before the rest of the start", "mode", s.KillSwitch, "armed", j.Armed, "allow_lan", s.AllowLAN)
	return true
}

// bootPolicy is the policy of a service starting disconnected under s with
// the journal's armed flag, when that policy blocks (kill switch `always`,
// or `auto` armed); ok is false when it blocks nothing.
func bootPolicy(s settings.Settings, armed, hostIPv6 bool) (p firewall.Policy, ok bool) {
	in := firewall.Input{
		State:    firewall.TunnelState(ipc.Disconnected),
		Mode:     firewall.Mode(s.KillSwitch),
		Armed:    armed,
		AllowLAN: s.AllowLAN,
		HostIPv6: hostIPv6,
	}
	if s.DNS.Mode != settings.DNSExisting {
		in.DNS = firewall.DNS{Manage: true, Mark: platform.DNSMark}
	}
	p = firewall.Compute(in)
	return p, p.Engaged
}
