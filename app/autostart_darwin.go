package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

func launchAgentPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"), nil
}

// LaunchAtLogin reports whether the GUI is set to start at login.
func LaunchAtLogin() (bool, error) {
	p, err := launchAgentPath()
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// SetLaunchAtLogin makes the program at exe start at login, or stops it.
// launchd reads the agent at the next login; nothing needs loading now since
// the GUI is already running.
func SetLaunchAtLogin(on bool, exe string) error {
	p, err := launchAgentPath()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(launchAgentPlist(exe)))
}
