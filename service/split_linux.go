package service

import (
	"path"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/settings"
)

// cgroupGroups are the split tunnel's cgroups: palisade-bypass and
// palisade-vpnonly below parent on the cgroup2 hierarchy.
type cgroupGroups struct {
	mount  cgroup.Mount
	parent string
}

// newSplitGroups finds the cgroup2 hierarchy; parent ("" for the root)
// places the groups, as tests do to keep theirs apart. The groups are
// created only when split tunnelling is turned on (Ensure).
func newSplitGroups(parent string) (SplitGroups, error) {
	m, err := cgroup.Find()
	if err != nil {
		return nil, err
	}
	if parent != "" {
		if parent, err = cgroup.Rel(parent); err != nil {
			return nil, err
		}
	}
	return &cgroupGroups{mount: m, parent: parent}, nil
}

func (g *cgroupGroups) Ensure(mode settings.SplitMode) error {
	return g.mount.Ensure(g.Group(mode))
}

func (g *cgroupGroups) Group(mode settings.SplitMode) string {
	name := cgroup.Bypass
	if mode == settings.SplitVPNOnly {
		name = cgroup.VPNOnly
	}
	return path.Join(g.parent, name)
}

func (g *cgroupGroups) Move(mode settings.SplitMode, pid int) error {
	return g.mount.Move(g.Group(mode), pid)
}
