package service

import (
	"encoding/binary"
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

// fileID names a file as the kernel marks it: device and inode.
type fileID struct{ dev, ino uint64 }

// fanotify's pidfd information record (FAN_REPORT_PIDFD, Linux 5.15):
// a header (type, padding, length) and the pidfd, or fanNoPidfd when
// the process had already exited, or another negative value when the
// kernel could not make one.
const (
	fanInfoPidfd    = 4
	fanInfoHeader   = 4
	fanInfoPidfdLen = fanInfoHeader + 4
	fanNoPidfd      = -1
)

// eventPidfd finds the pidfd record among one event's information
// records (the bytes after its metadata); ok is false when it has none
// or the records are malformed (a record shorter than its header or
// running past the event).
func eventPidfd(info []byte) (fd int32, ok bool) {
	for len(info) >= fanInfoHeader {
		typ, n := info[0], int(binary.NativeEndian.Uint16(info[2:4]))
		if n < fanInfoHeader || n > len(info) {
			return 0, false
		}
		if typ == fanInfoPidfd && n >= fanInfoPidfdLen {
			return int32(binary.NativeEndian.Uint32(info[fanInfoHeader:])), true
		}
		info = info[n:]
	}
	return 0, false
}
