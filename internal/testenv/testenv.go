// Package testenv decides what a test does when a system tool it needs is
// missing: on a developer's machine it skips, with the package that brings
// the tool; in CI (CI set in the environment) it fails, because
// scripts/deps.sh has installed every tool there and a skip would let a test
// that never ran pass unnoticed.
package testenv

import (
	"os"
	"os/exec"
	"runtime"
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

// SocketDir returns a fresh directory, removed after the test, short
// enough for Unix socket paths: sun_path holds 104 bytes on macOS, and its
// per-user TMPDIR (/var/folders/…/T/) plus a test's name already takes
// most of them, so there it lives under /private/tmp (/tmp itself is a
// symlink there).
func SocketDir(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "darwin" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("/private/tmp", "pal")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
