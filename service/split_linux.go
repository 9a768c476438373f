package service

import (
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/settings"
)

// cgroupGroups are the split tunnel's cgroups: palisade-bypass and
// palisade-vpnonly below parent on the cgroup2 hierarchy.
type cgroupGroups struct {
	mount  cgroup.Mount
	parent string
	log    *slog.Logger

	mu sync.Mutex
	// watch moves new processes of the listed programs; nil when none.
	watch *execWatcher
	// mode and programs are what watch follows, for the next change.
	mode     settings.SplitMode
	programs []string
}

// newSplitGroups finds the cgroup2 hierarchy; parent ("" for the root)
// places the groups, as tests do to keep theirs apart. The groups are
// created only when split tunnelling is turned on (Ensure).
func newSplitGroups(log *slog.Logger, parent string) (SplitGroups, error) {
	m, err := cgroup.Find()
	if err != nil {
		return nil, err
	}
	if parent != "" {
		if parent, err = cgroup.Rel(parent); err != nil {
			return nil, err
		}
	}
	return &cgroupGroups{mount: m, parent: parent, log: log}, nil
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

// Watch changes the program watch: new processes of programs go into
// mode's group from now on, and the ones already running are moved at
// once (their sockets opened before stay as they were). Mode off or no
// programs stops watching. A running watch is changed in place, so the
// programs still listed are watched without a gap. Processes of the
// programs taken off leave the group, also those still in the exec the
// watch let through just before the change: the removed state wins.
func (g *cgroupGroups) Watch(mode settings.SplitMode, programs []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	oldMode, left := g.mode, leftList(g.mode, g.programs, mode, programs)
	g.mode, g.programs = mode, programs
	var starting []pinned
	// Released last: a program still listed in a new mode goes from the
	// old group straight to the new one, never outside both.
	defer func() { g.release(oldMode, left, starting) }()
	if !(settings.Split{Mode: mode}).On() || len(programs) == 0 {
		if g.watch != nil {
			starting = g.watch.stopWatch()
			g.watch = nil
		}
		return nil
	}
	rel := g.Group(mode)
	move := func(p *cgroup.Proc) error { return g.mount.MoveProc(rel, p) }
	cfg := watchConfig{programs: programs, move: move, denyUnmoved: mode == settings.SplitVPNOnly}
	if g.watch != nil {
		starting = g.watch.update(g.log, cfg)
	} else {
		w, err := newExecWatcher(g.log, cfg)
		if err != nil {
			return err
		}
		g.watch = w
	}
	running := runningPinned(programs)
	defer closeAll(running)
	for _, p := range running {
		if err := move(p.proc); err != nil {
			g.log.Warn("split tunnel: running process not moved", "pid", p.proc.PID, "program", p.program, "err", err)
			continue
		}
		g.log.Info("split tunnel: running process moved into the group", "pid", p.proc.PID, "program", p.program)
	}
	return nil
}

// release moves the running processes of programs that are in mode's
// group out of it, to the groups' parent: a program taken off the list
// (or out of a mode turned off) is treated like every other program at
// once, not only once it restarts. starting are the processes the watch
// moved whose exec may not be done (/proc still names the old program);
// those of programs are released too. Processes a program started stay.
func (g *cgroupGroups) release(mode settings.SplitMode, programs []string, starting []pinned) {
	defer closeAll(starting)
	if len(programs) == 0 {
		return
	}
	running := runningPinned(programs)
	defer closeAll(running)
	// Handles in starting are closed by its own defer: the targets are a
	// separate list so neither defer closes one twice.
	targets := slices.Clone(running)
	for _, p := range starting {
		if slices.Contains(programs, p.program) {
			targets = append(targets, p)
		}
	}
	group := "/" + g.Group(mode)
	for _, p := range targets {
		if cur, err := p.proc.Group(); err != nil || cur != group {
			continue
		}
		if err := g.mount.MoveProc(g.parent, p.proc); err != nil {
			g.log.Warn("split tunnel: process of a program taken off the list left in the group", "pid", p.proc.PID, "program", p.program, "err", err)
			continue
		}
		g.log.Info("split tunnel: process of a program taken off the list moved out of the group", "pid", p.proc.PID, "program", p.program)
	}
}

// runningPinned pins the running processes of programs: each number found
// in /proc is opened as a handle and its executable read again through
// it, so a number reused since the scan is left alone.
func runningPinned(programs []string) []pinned {
	var out []pinned
	for _, p := range programMatches(runningProcesses(), programs) {
		proc, err := cgroup.OpenProc(p.PID)
		if err != nil {
			continue
		}
		if exe, err := proc.Exe(); err != nil || filepath.Clean(exe) != filepath.Clean(p.Exe) {
			proc.Close()
			continue
		}
		out = append(out, pinned{proc, filepath.Clean(p.Exe)})
	}
	return out
}

// processUID is the real user id of process pid, from /proc/PID/status.
func processUID(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, fmt.Errorf("process %d: no Uid line", pid)
}
