package sysdns

import (
	"net/netip"
	"path/filepath"
)

// SystemServers returns the name servers the system had before Palisade
// changed DNS: those of the journaled dictionaries while Palisade has
// replaced them, else the current global DNS configuration's.
func SystemServers(stateDir string) ([]netip.Addr, error) {
	m := &scutilManager{backup: filepath.Join(stateDir, scutilBackupName)}
	b, err := m.load()
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		return foreign(journaledServers(b)), nil
	}
	out, err := scutil("show State:/Network/Global/DNS\n")
	if err != nil {
		return nil, err
	}
	entries, _ := parseScutilDict(out)
	return foreign(serverAddresses(entries)), nil
}
