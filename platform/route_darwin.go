package platform

import (
	"bytes"
	"log/slog"
	"os/exec"
	"strings"
)

// NewRouter returns the macOS router: addresses with ifconfig and split
// default routes with route(8), as wg-quick does on macOS. Routes that
// outlive the tunnel interface are journaled in stateDir before they are
// added, so Down removes them even after a crash.
func NewRouter(log *slog.Logger, stateDir string) Router {
	return &macRouter{log: log, journal: NewRouteJournal(stateDir), run: execute, routes: readRoutes}
}

// execute runs name with stdin and returns its trimmed combined output.
func execute(stdin, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(bytes.TrimSpace(out)), err
}

// HasIPv6 reports whether the host has an IPv6 stack; macOS always does.
func HasIPv6() bool { return true }
