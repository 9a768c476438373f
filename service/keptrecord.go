package service

import (
	"reflect"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

// keptRecord describes the block p a stopping service leaves in place, for
// the CLI and tray to explain while the service is down.
func keptRecord(p firewall.Policy, s settings.Settings, kind StopKind, why string, now time.Time) keptblock.Record {
	return keptblock.Record{
		Since:    now,
		Stop:     kind.String(),
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

// takeOverKeptBlockLocked removes the previous run's record once this start
// has rendered its own policy over the block it describes, or removed it.
func (m *Manager) takeOverKeptBlockLocked() {
	removed, err := keptblock.Remove(m.env.StateDir)
	switch {
	case err != nil:
		m.env.Log.Warn("kept-block record not removed: the CLI may say the service left a block", "err", err)
	case removed && m.net.policy.Engaged:
		m.env.Log.Info("kill switch: the block the previous run kept is taken over")
	case removed:
		m.env.Log.Info("kill switch: the block the previous run kept is lifted")
	}
}
