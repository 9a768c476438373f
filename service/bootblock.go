package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

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
	d := readBootDecision(stateDir)
	if !d.block {
		log.Info("kill switch not applied early", "why", d.why)
		return false
	}
	if err := fw.Apply(d.policy(hostIPv6)); err != nil {
		log.Error("kill switch: early block failed (the manager applies it again)", "why", d.why, "err", err)
		return false
	}
	log.Info("kill switch: traffic blocked before the rest of the start", "why", d.why, "mode", d.settings.KillSwitch, "allow_lan", d.settings.AllowLAN)
	return true
}

// EarlyBlock is `palisaded early-block`, run once at boot by the
// palisaded-early-block unit before the network comes up: it installs the
// block bootBlock would (same decision, same policy, same table, which the
// service's start then replaces in one transaction) and exits. It reads the
// settings and the journal and talks to the packet filter, nothing else: no
// network, no D-Bus, no resolver, no tunnel. A table already in place is
// left alone: it is the running service's (or the block a stop kept for
// it), and the disconnected policy would only take the tunnel's rules away.
func EarlyBlock(log *slog.Logger, stateDir string) error {
	fw, err := firewall.New(log, stateDir)
	if err != nil {
		return fmt.Errorf("firewall backend: %w", err)
	}
	return earlyBlock(log, stateDir, fw, platform.HasIPv6())
}

// earlyInspectTimeout bounds the look for a table already in place, so a
// packet filter that does not answer cannot hold up the boot.
const earlyInspectTimeout = 3 * time.Second

func earlyBlock(log *slog.Logger, stateDir string, fw firewall.Backend, hostIPv6 bool) error {
	if ins, ok := fw.(firewall.Inspector); ok {
		ctx, cancel := context.WithTimeout(context.Background(), earlyInspectTimeout)
		in, err := ins.Inspect(ctx)
		cancel()
		if err == nil && in.Present {
			log.Info("early block: the service's rules are in place already; left as they are", "rules", in.Rules)
			return nil
		}
	}
	d := readBootDecision(stateDir)
	if !d.block {
		log.Info("early block: nothing to block", "why", d.why)
		return nil
	}
	if err := fw.Apply(d.policy(hostIPv6)); err != nil {
		return fmt.Errorf("early block (%s): %w", d.why, err)
	}
	log.Info("early block: traffic blocked until palisaded starts", "why", d.why, "mode", d.settings.KillSwitch, "allow_lan", d.settings.AllowLAN)
	return nil
}

// bootDecision is whether a start (or the boot before it) blocks, from the
// saved settings and the journal, and why.
type bootDecision struct {
	block    bool
	why      string
	settings settings.Settings
	// armed is the journal's flag, or true when the journal could not
	// be read and the block is kept for want of knowing.
	armed bool
}

// readBootDecision reads the settings and the journal without changing
// them (the manager sets an unusable settings file aside and reports it).
func readBootDecision(stateDir string) bootDecision {
	s, sErr := settings.Peek(stateDir)
	j, jErr := readJournal(stateDir)
	return decideBoot(s, sErr, j.Armed, jErr)
}

// decideBoot fails closed: an unreadable settings file (the mode is
// unknown) or, under `auto`, an unreadable journal (whether a session was
// up at shutdown is unknown) blocks like `auto` armed. The block lasts
// until the manager has read the same files (settings set aside for the
// defaults, journal taken as empty) and applied its own policy, which
// lifts it unless that blocks too: seconds of no network against a leak
// that cannot be taken back, in the window DESIGN.md's crash safety keeps
// closed ("the block stays in place while the service is down").
// `off` is the user's explicit choice and never blocks.
func decideBoot(s settings.Settings, sErr error, armed bool, jErr error) bootDecision {
	switch {
	case sErr != nil:
		return bootDecision{block: true, armed: true, settings: settings.Default(),
			why: fmt.Sprintf("settings unreadable (%v): blocked until the service has read them", sErr)}
	case s.KillSwitch == settings.KillSwitchAlways:
		return bootDecision{block: true, armed: armed, settings: s, why: "kill switch always"}
	case s.KillSwitch == settings.KillSwitchAuto && armed:
		return bootDecision{block: true, armed: true, settings: s, why: "kill switch auto, armed by a session the user had not ended"}
	case s.KillSwitch == settings.KillSwitchAuto && jErr != nil:
		return bootDecision{block: true, armed: true, settings: s,
			why: fmt.Sprintf("kill switch auto and the journal unreadable (%v): blocked until the service has read it", jErr)}
	case s.KillSwitch == settings.KillSwitchAuto:
		return bootDecision{settings: s, why: "kill switch auto, not armed"}
	}
	return bootDecision{settings: s, why: "kill switch " + string(s.KillSwitch)}
}

// policy is the decision's block for a host with or without IPv6.
func (d bootDecision) policy(hostIPv6 bool) firewall.Policy {
	p, _ := bootPolicy(d.settings, d.armed, hostIPv6)
	return p
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
