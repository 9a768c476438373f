package service

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoProfileChosen refuses a connect without a profile name when the
// service cannot tell which one the user means: several are stored and
// none was used before (or the one last used was removed).
var ErrNoProfileChosen = errors.New("no profile given")

// defaultProfile decides which profile a connect without a name uses:
// the one last used; else, when exactly one is stored, that one (the user
// has no other choice to make, as with the WireGuard app's single tunnel);
// else none, with an error that says what happened and lists the choices.
// removed is the name of the last used profile if it was removed since.
func defaultProfile(last, removed string, stored []string) (string, error) {
	switch {
	case last != "":
		return last, nil
	case len(stored) == 0:
		return "", errors.New("no profile given and none used before: import one with 'palisade profile import FILE'")
	case len(stored) == 1:
		return stored[0], nil
	case removed != "":
		return "", fmt.Errorf("%w, and the one last used (%q) was removed: choose one of %s", ErrNoProfileChosen, removed, strings.Join(stored, ", "))
	}
	return "", fmt.Errorf("%w and none used before: choose one of %s", ErrNoProfileChosen, strings.Join(stored, ", "))
}

// chooseProfile is defaultProfile for this manager; the caller holds ctl,
// so the stored profiles cannot change meanwhile.
func (m *Manager) chooseProfile() (string, error) {
	m.mu.Lock()
	last, removed := m.lastUse, m.removedLast
	m.mu.Unlock()
	var stored []string
	if last == "" {
		var err error
		if stored, err = m.profiles.List(); err != nil {
			return "", err
		}
	}
	name, err := defaultProfile(last, removed, stored)
	if err == nil && last == "" {
		m.env.Log.Info("connect without a profile name: using the only stored profile", "name", name)
	}
	return name, err
}
