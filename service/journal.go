package service

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/palisadevpn/palisade/internal/atomicfile"
)

// journal is what the service must know after a crash or reboot: whether it
// was connected (to reconnect) and whether the auto kill switch was armed
// (to keep blocking until the user decides).
type journal struct {
	Connected   bool   `json:"connected"`
	LastProfile string `json:"last_profile,omitempty"`
	Armed       bool   `json:"armed"`
}

const journalFile = "state.json"

func (m *Manager) loadJournal() journal {
	j, err := readJournal(m.env.StateDir)
	if err != nil {
		m.env.Log.Warn("journal unreadable, starting fresh", "err", err)
	}
	return j
}

// readJournal reads the journal in stateDir; a missing one is empty, an
// unreadable or corrupt one empty and an error.
func readJournal(stateDir string) (journal, error) {
	var j journal
	data, err := os.ReadFile(filepath.Join(stateDir, journalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return journal{}, nil
	}
	if err != nil {
		return journal{}, err
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return journal{}, err
	}
	return j, nil
}

// disarmJournal clears the journal's armed flag (keeping the rest), so a
// service started after `palisaded cleanup` (a reinstall after removal, or
// a user lifting a kept block) does not block again from the old intent.
func disarmJournal(stateDir string) error {
	j, err := readJournal(stateDir)
	if err != nil || !j.Armed {
		return err
	}
	j.Armed = false
	data, _ := json.Marshal(j)
	return atomicfile.Write(filepath.Join(stateDir, journalFile), data, 0o600)
}

// saveJournalLocked is written before the network is changed, so a crash at
// any later point finds the intent on disk.
func (m *Manager) saveJournalLocked(connected bool) {
	j := journal{Connected: connected, LastProfile: m.lastUse, Armed: m.armed}
	data, _ := json.Marshal(j)
	if err := atomicfile.Write(filepath.Join(m.env.StateDir, journalFile), data, 0o600); err != nil {
		m.env.Log.Error("journal write failed", "err", err)
	}
}

// recoverLeftovers undoes what a previous run left behind: policy rules and
// the routing table, and the system DNS. The firewall is not removed here:
// it is re-rendered right after from the journal and settings, so a crash
// while engaged never opens a window.
func (m *Manager) recoverLeftovers() {
	if err := m.env.Router.Down(); err != nil {
		m.env.Log.Warn("leftover routes: cleanup incomplete", "err", err)
	}
	if m.env.Cleanup != nil {
		if err := m.env.Cleanup(); err != nil {
			m.env.Log.Warn("leftovers: cleanup incomplete", "err", err)
		}
	}
}
