package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetLaunchAtLoginXDG(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_CONFIG_DIRS", t.TempDir())
	file := filepath.Join(dir, "autostart", "palisade-gui.desktop")

	if on, err := LaunchAtLogin(); err != nil || on {
		t.Fatalf("fresh LaunchAtLogin = %v, %v", on, err)
	}
	if err := SetLaunchAtLogin(true, "/opt/palisade/palisade-gui"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nExec=/opt/palisade/palisade-gui --hidden\n") {
		t.Errorf("autostart entry:\n%s", data)
	}
	if on, err := LaunchAtLogin(); err != nil || !on {
		t.Errorf("after enabling LaunchAtLogin = %v, %v", on, err)
	}
	if err := SetLaunchAtLogin(false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("entry still there after disabling: %v", err)
	}
	if err := SetLaunchAtLogin(false, ""); err != nil {
		t.Errorf("disabling twice: %v", err)
	}
}

// With a packaged entry in $XDG_CONFIG_DIRS, launch at login is on by
// default; turning it off writes a Hidden override of the same name and
// turning it on again removes the override.
func TestSetLaunchAtLoginOverridesPackagedEntry(t *testing.T) {
	home, sys := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("XDG_CONFIG_DIRS", "relative:"+sys)
	user := filepath.Join(home, "autostart", "palisade-gui.desktop")
	if on, err := LaunchAtLogin(); err != nil || on {
		t.Fatalf("without any entry LaunchAtLogin = %v, %v", on, err)
	}
	packaged, err := os.ReadFile("../installer/linux/palisade-gui-autostart.desktop")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(sys, "autostart"), 0o755)
	if err := os.WriteFile(filepath.Join(sys, "autostart", "palisade-gui.desktop"), packaged, 0o644); err != nil {
		t.Fatal(err)
	}
	if on, err := LaunchAtLogin(); err != nil || !on {
		t.Fatalf("with the packaged entry LaunchAtLogin = %v, %v", on, err)
	}
	if err := SetLaunchAtLogin(false, "/usr/bin/palisade-gui"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(user)
	if err != nil || !hiddenEntry(data) {
		t.Fatalf("override after turning off: %v\n%s", err, data)
	}
	if on, err := LaunchAtLogin(); err != nil || on {
		t.Errorf("after turning off LaunchAtLogin = %v, %v", on, err)
	}
	if err := SetLaunchAtLogin(true, "/usr/bin/palisade-gui"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(user); !os.IsNotExist(err) {
		t.Errorf("override still there after turning on: %v", err)
	}
	if on, err := LaunchAtLogin(); err != nil || !on {
		t.Errorf("after turning on again LaunchAtLogin = %v, %v", on, err)
	}
}

// The window's "Launch at login" registers the tray, the program beside the
// window's: the window has no login mode.
func TestApplyLaunchAtLoginStartsTray(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_CONFIG_DIRS", t.TempDir())
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := applyLaunchAtLogin(true); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "autostart", "palisade-gui.desktop"))
	want := "\nExec=" + desktopExecQuote(filepath.Join(filepath.Dir(exe), "palisade-gui")) + " --hidden\n"
	if err != nil || !strings.Contains(string(data), want) {
		t.Errorf("autostart entry (%v):\n%s\nwant the line %q", err, data, want)
	}
}
