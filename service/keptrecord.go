package service

import (
	"reflect"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

// keptRecord describes the block p a service leaves in place (stopping, or
// should it die: stop keptblock.StopNone), for the CLI and tray to explain
// while the service is down.
func keptRecord(p firewall.Policy, s settings.Settings, stop, why string, now time.Time) keptblock.Record {
	return keptblock.Record{
		Since:    now,
		Stop:     stop,
		Why:      why,
		Mode:     string(s.KillSwitch),
		Families: blockedFamilies(p.Output),
		LAN:      s.AllowLAN,
		Rules:    len(p.Output) + len(p.Input) + len(p.Forward),
	}
}

// blockedFamilies lists the families a catch-all reject or drop of the
// output chain (one matching nothing but a family) blocks.
func blockedFamilies(out []firewall.Rule) []string {
	var v4, v6 bool
	for _, r := range out {
		if r.Action == firewall.Accept || !reflect.DeepEqual(r, firewall.Rule{Family: r.Family, Action: r.Action, Reason: r.Reason}) {
			continue
		}
		v4 = v4 || r.Family != firewall.FamilyIPv6
		v6 = v6 || r.Family != firewall.FamilyIPv4
	}
	var fams []string
	if v4 {
		fams = append(fams, keptblock.IPv4)
	}
	if v6 {
		fams = append(fams, keptblock.IPv6)
	}
	return fams
}

// recordEngagedLocked keeps the kept-block record in step with the policy
// just applied: while the kill switch blocks, a record says so with stop
// "none", so that a process that dies without a clean stop (killed,
// crashed: the block stays, nftables and pf keep it, WFP keeps its
// filters) still tells an ordinary user, who cannot read the filter, since
// when; when it stops blocking, the record goes. A failed write or removal
// is retried at the next apply.
func (m *Manager) recordEngagedLocked(p firewall.Policy) {
	if p.Engaged == m.net.recorded {
		return
	}
	if p.Engaged {
		why := "the kill switch engaged (" + p.Why + ")"
		if err := keptblock.Write(m.env.StateDir, keptRecord(p, m.settings, keptblock.StopNone, why, time.Now())); err != nil {
			m.env.Log.Warn("kept-block record not written: should the service die, only the firewall tells the block", "err", err)
			return
		}
	} else if _, err := keptblock.Remove(m.env.StateDir); err != nil {
		m.env.Log.Warn("kept-block record not removed: the CLI may say a block is kept", "err", err)
		return
	}
	m.net.recorded = p.Engaged
}

// takeKeptRecordLocked removes the record the previous run left, before
// this start applies its own policy, and reports whether there was one.
func (m *Manager) takeKeptRecordLocked() bool {
	removed, err := keptblock.Remove(m.env.StateDir)
	if err != nil {
		m.env.Log.Warn("kept-block record not removed: the CLI may say the service left a block", "err", err)
	}
	return removed
}

// logTakeOverLocked says, once this start applied its policy, what became
// of the block the previous run left (had: its record was there).
func (m *Manager) logTakeOverLocked(had bool) {
	switch {
	case had && m.net.policy.Engaged:
		m.env.Log.Info("kill switch: the block the previous run left is taken over")
	case had:
		m.env.Log.Info("kill switch: the block the previous run left is lifted")
	}
}
