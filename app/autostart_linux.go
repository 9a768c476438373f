package app

import (
	"os"
	"path/filepath"
	"strings"
)

// loginFile is the user's XDG autostart entry. It has the same file name as
// the entry the .deb/.rpm install in /etc/xdg/autostart, so it overrides that
// one for this user, as the XDG autostart specification says.
func loginFile(exe string) (path, content string, err error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "palisade-gui.desktop"), autostartEntry(exe), nil
}

// systemLoginFile is the packaged autostart entry: the first
// autostart/palisade-gui.desktop in $XDG_CONFIG_DIRS (default /etc/xdg), or
// "" when no package installed one.
func systemLoginFile() string {
	dirs := os.Getenv("XDG_CONFIG_DIRS")
	if dirs == "" {
		dirs = "/etc/xdg"
	}
	for _, d := range strings.Split(dirs, ":") {
		p := filepath.Join(d, "autostart", "palisade-gui.desktop")
		if d != "" && filepath.IsAbs(d) {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}
