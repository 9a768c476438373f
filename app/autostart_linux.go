package app

import (
	"os"
	"path/filepath"
)

// loginFile is the XDG autostart entry.
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
