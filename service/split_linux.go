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

// newSplitGroups finds the cgroup2 hierarchy and creates both groups;
// parent ("" for the root) places them, as tests do to keep their own.
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
	g := &cgroupGroups{mount: m, parent: parent}
	for _, mode := range []settings.SplitMode{settings.SplitBypass, settings.SplitVPNOnly} {
		if err := m.Ensure(g.Group(mode)); err != nil {
			return nil, err
		}
	}
	return g, nil
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
