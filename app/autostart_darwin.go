package app

import (
	"os"
	"path/filepath"
)

// loginFile is the LaunchAgent. launchd reads it at the next login; nothing
// needs loading now since the GUI is already running.
func loginFile(exe string) (path, content string, err error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"), launchAgentPlist(exe), nil
}

// systemLoginFile is always "": the macOS .pkg installs no LaunchAgent for
// all users, launch at login is the user's own file alone.
func systemLoginFile() string { return "" }
