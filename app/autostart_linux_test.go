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
