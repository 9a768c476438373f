package service

import (
	"path/filepath"
	"slices"
	"strconv"

	"github.com/palisadevpn/palisade/service/settings"
)

// Process is a running process as the program watcher sees it.
type Process struct {
	PID int
	// Exe is the process's executable (/proc/PID/exe), symbolic links
	// resolved by the kernel.
	Exe string
}

// programMatches picks the processes running one of the listed programs,
// so a program added to the list while it runs is moved at once too. A
// process whose executable was replaced since it started ("... (deleted)")
// no longer matches.
func programMatches(procs []Process, programs []string) []Process {
	var out []Process
	for _, p := range procs {
		if slices.Contains(programs, filepath.Clean(p.Exe)) {
			out = append(out, p)
		}
	}
	return out
}

// leftList is what the watch stops covering when it goes from oldMode's
// old list to mode's list: the old programs no longer listed, or all of
// them when the mode changed (off included).
func leftList(oldMode settings.SplitMode, old []string, mode settings.SplitMode, programs []string) []string {
	if !(settings.Split{Mode: oldMode}).On() {
		return nil
	}
	if oldMode != mode {
		return old
	}
	var out []string
	for _, p := range old {
		if !slices.Contains(programs, p) {
			out = append(out, p)
		}
	}
	return out
}

// pidDir reports whether a /proc entry is a process directory.
func pidDir(name string) (int, bool) {
	pid, err := strconv.Atoi(name)
	return pid, err == nil && pid > 0
}
