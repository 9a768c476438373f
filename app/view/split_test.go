package view

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestSplitAvailable(t *testing.T) {
	if ok, why := SplitAvailable(fakeservice.Connected()); !ok || why != "" {
		t.Errorf("available: %v %q", ok, why)
	}
	st := fakeservice.Connected()
	st.SplitUnavailable = "it needs a WFP callout driver"
	if ok, why := SplitAvailable(st); ok || !strings.Contains(why, "Not available on this system: it needs a WFP callout driver") {
		t.Errorf("unavailable: %v %q", ok, why)
	}
}

func TestAddProgram(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "game")
	if err := os.WriteFile(real, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "launcher")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	list, err := AddProgram(nil, link)
	if err != nil || !slices.Equal(list, []string{real}) {
		t.Fatalf("AddProgram(link) = %v, %v; want the real file", list, err)
	}
	if _, err := AddProgram(list, real); err == nil || !strings.Contains(err.Error(), "already listed") {
		t.Errorf("duplicate: %v", err)
	}
	full := make([]string, settings.MaxSplitPrograms)
	if _, err := AddProgram(full, filepath.Join(dir, "other")); err == nil {
		t.Error("a list over the limit accepted")
	}
}

func TestRunningPrograms(t *testing.T) {
	proc := t.TempDir()
	for pid, exe := range map[string]string{"1": "/usr/lib/systemd/systemd", "42": "/usr/bin/firefox", "43": "/usr/bin/firefox", "self": "/usr/bin/palisade-gui", "44": "relative"} {
		if err := os.Mkdir(filepath.Join(proc, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(exe, filepath.Join(proc, pid, "exe")); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(proc, "99"), 0o755) // a process whose exe is unreadable
	got := RunningPrograms(proc)
	if want := []string{"/usr/bin/firefox", "/usr/lib/systemd/systemd"}; !slices.Equal(got, want) {
		t.Errorf("RunningPrograms = %v, want %v", got, want)
	}
	if RunningPrograms(filepath.Join(proc, "missing")) != nil {
		t.Error("programs found without /proc")
	}
}
