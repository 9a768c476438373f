package view

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// SplitAvailable says whether the split tunnel tab can be used: the
// service tells why not (macOS, Windows, a Linux without cgroup v2).
func SplitAvailable(st ipc.Status) (bool, string) {
	if st.SplitUnavailable != "" {
		return false, "Not available on this system: " + st.SplitUnavailable
	}
	return true, ""
}

// SplitText is the status tab's "Split tunnel" row, e.g. "bypass · 3
// programs"; empty (no row) while the split tunnel is off.
func SplitText(mode settings.SplitMode, programs int) string {
	if mode == "" || mode == settings.SplitOff {
		return ""
	}
	switch programs {
	case 0:
		return string(mode) + " · no programs"
	case 1:
		return string(mode) + " · 1 program"
	}
	return fmt.Sprintf("%s · %d programs", mode, programs)
}

// AddProgram returns list with the program at path added, in the form the
// service matches (absolute, symbolic links resolved), or why not.
func AddProgram(list []string, path string) ([]string, error) {
	p, err := settings.ProgramPath(path)
	if err != nil {
		return list, err
	}
	if slices.Contains(list, p) {
		return list, fmt.Errorf("%s is already listed", p)
	}
	if len(list) >= settings.MaxSplitPrograms {
		return list, fmt.Errorf("at most %d programs can be listed", settings.MaxSplitPrograms)
	}
	return append(slices.Clone(list), p), nil
}

// RunningPrograms lists the executables of the processes under procDir
// (/proc) that this user may see, sorted, each once: the "from running
// programs" choice. Elsewhere than Linux it finds none.
func RunningPrograms(procDir string) []string {
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.Name()[0] < '1' || e.Name()[0] > '9' {
			continue
		}
		if exe, err := os.Readlink(filepath.Join(procDir, e.Name(), "exe")); err == nil && filepath.IsAbs(exe) {
			out = append(out, exe)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
