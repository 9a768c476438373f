//go:build linux || darwin

package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/palisadevpn/palisade/internal/atomicfile"
)

// On Linux and macOS launch at login is a per-user file: loginFile (per
// OS) says where it lives and what it holds. Where a package installed an
// entry for every user (systemLoginFile, Linux's /etc/xdg/autostart), the
// user's file of the same name overrides it: an entry marked Hidden turns
// it off, and turning it back on removes the override.

// LaunchAtLogin reports whether the GUI is set to start at login.
func LaunchAtLogin() (bool, error) {
	p, _, err := loginFile("")
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return systemLoginFile() != "", nil
	}
	if err != nil {
		return false, err
	}
	return !hiddenEntry(data), nil
}

// SetLaunchAtLogin makes the program at exe start at login, or stops it.
func SetLaunchAtLogin(on bool, exe string) error {
	p, content, err := loginFile(exe)
	if err != nil {
		return err
	}
	packaged := systemLoginFile() != ""
	switch {
	case on && packaged, !on && !packaged:
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	case !on:
		content = hiddenAutostartEntry
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(p, []byte(content), 0o644)
}
