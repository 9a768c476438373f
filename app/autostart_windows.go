package app

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

const (
	runKeyPath      = `Software\Microsoft\Windows\CurrentVersion\Run`
	runKeyValueName = "Palisade"
)

// LaunchAtLogin reports whether the GUI is set to start at login.
func LaunchAtLogin() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.QUERY_VALUE)
	if err != nil {
		return false, err
	}
	defer k.Close()
	_, _, err = k.GetStringValue(runKeyValueName)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// SetLaunchAtLogin makes the program at exe start at login, or stops it.
func SetLaunchAtLogin(on bool, exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(runKeyValueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return err
		}
		return nil
	}
	return k.SetStringValue(runKeyValueName, runKeyValue(exe))
}
