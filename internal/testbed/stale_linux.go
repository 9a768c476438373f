package testbed

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

var roles = []string{RoleClient, RoleLAN, RoleServer, RoleInternet}

// collectStale removes beds whose owning process is gone: a test binary killed
// before its cleanup leaves namespaces, wireguard-go processes and UAPI
// sockets behind. Beds of live processes (parallel test packages) are kept.
func collectStale() {
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), claimPrefix) {
			continue // a record being written (claimID); its owner removes it
		}
		raw, err := os.ReadFile(filepath.Join(stateDir, e.Name()))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err == nil && !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		slog.Info("testbed: removing stale bed", "id", e.Name(), "owner", pid)
		removeBed(e.Name())
	}
}

// removeBed kills what still runs in a bed's namespaces, deletes them, and
// removes its UAPI sockets and owner record.
func removeBed(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	for _, role := range append(roles, RoleGuest) {
		ns := "pal-" + role + "-" + id
		if _, err := os.Stat(filepath.Join("/var/run/netns", ns)); err != nil {
			continue
		}
		out, _ := run(ctx, nil, "ip", "netns", "pids", ns)
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if _, err := run(ctx, nil, "ip", "netns", "del", ns); err != nil {
			slog.Warn("testbed: delete namespace", "ns", ns, "err", err)
		}
	}
	for _, name := range []string{"wgs" + id, "wgc" + id} {
		os.Remove(filepath.Join(uapiDir, name+".sock"))
	}
	os.Remove(filepath.Join(stateDir, id))
}
