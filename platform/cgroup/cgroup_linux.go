package cgroup

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// Find reads this process's mount table for the cgroup2 hierarchy; hybrid
// layouts mount it beside the v1 controllers, so its place is never assumed.
func Find() (Mount, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return Mount{}, err
	}
	return ParseMountinfo(string(b))
}

// Ensure creates the group rel (and its parents) if missing.
func (m Mount) Ensure(rel string) error {
	if err := os.MkdirAll(m.Path(rel), 0o755); err != nil {
		return fmt.Errorf("cgroup %s: %w", rel, err)
	}
	return nil
}

// ID is the group's cgroup id, which nftables matches: the inode number of
// its directory in the cgroup2 file system.
func (m Mount) ID(rel string) (uint64, error) {
	fi, err := os.Stat(m.Path(rel))
	if err != nil {
		return 0, fmt.Errorf("cgroup %s: %w", rel, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("cgroup %s: no inode number", rel)
	}
	return st.Ino, nil
}

// Move puts process pid (all its threads) into the group; its children
// are born there. Sockets it opened before keep their old group.
func (m Mount) Move(rel string, pid int) error {
	err := os.WriteFile(m.Path(rel)+"/cgroup.procs", []byte(strconv.Itoa(pid)), 0)
	if err != nil {
		return fmt.Errorf("move process %d into cgroup %s: %w", pid, rel, err)
	}
	return nil
}
