// Package testenv decides what a test does when a system tool it needs is
// missing: on a developer's machine it skips, with the package that brings
// the tool; in CI (CI set in the environment) it fails, because
// scripts/deps.sh has installed every tool there and a skip would let a test
// that never ran pass unnoticed.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool returns the path of tool. When it is missing, t skips (fails
// in CI) saying which package installs it.
func NeedTool(t testing.TB, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		Missing(t, "%s not installed (scripts/deps.sh installs %s)", tool, pkg)
	}
	return path
}

// Missing skips t with the reason, or fails it when running in CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("in CI every test must run: "+format, args...)
	} else {
		t.Skipf(format, args...)
	}
}
