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
// OS) says where it lives and what it holds.

// LaunchAtLogin reports whether the GUI is set to start at login.
func LaunchAtLogin() (bool, error) {
	p, _, err := loginFile("")
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
func SetLaunchAtLogin(on bool, exe string) error {
	p, content, err := loginFile(exe)
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
	return atomicfile.Write(p, []byte(content), 0o644)
}
