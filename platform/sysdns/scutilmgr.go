package sysdns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
)

const (
	scutilBackupName = "scutil.backup.json"
	// macLoopback is macOS's loopback interface, the zone of the
	// link-local resolver address in the dynamic store.
	macLoopback = "lo0"
)

// scutilManager overrides the DNS dictionaries of every network service in
// the dynamic store (serviceDNSKeys: State: and, where the user set DNS
// manually, Setup:), the primary one's and the tunnel's service's once it
// is published to become primary (dnsServices) included, journaling the
// originals in stateDir first.
// It is OS-free so its bookkeeping is tested off macOS against a fake
// dynamic store; scutil_darwin.go gives it the real scutil(8).
type scutilManager struct {
	log    *slog.Logger
	backup string
	// scutil runs a script against the dynamic store and returns its output.
	scutil func(script string) (string, error)
	// cfg is what Set last applied, for Reassert.
	cfg *Config
}

func (m *scutilManager) Name() string { return "scutil" }

func (m *scutilManager) Set(cfg Config) error {
	if err := validate(cfg); err != nil {
		return err
	}
	m.cfg = &cfg
	return m.apply(cfg)
}

// Reassert sets the DNS again where the system replaced it since Set: the
// service monitor calls it on network changes (a new primary service after
// Wi-Fi → Ethernet, a DHCP renewal rewriting the service's DNS).
func (m *scutilManager) Reassert() error {
	if m.cfg == nil {
		return nil
	}
	return m.apply(*m.cfg)
}

func (m *scutilManager) apply(cfg Config) error {
	out4, err := m.scutil("show State:/Network/Global/IPv4\n")
	if err != nil {
		return err
	}
	out6, err := m.scutil("show State:/Network/Global/IPv6\n")
	if err != nil {
		return err
	}
	tun4, _ := m.scutil("show " + tunnelServiceKey("IPv4") + "\n")
	tun6, _ := m.scutil("show " + tunnelServiceKey("IPv6") + "\n")
	svcs := dnsServices(primaryService(out4, out6), tun4, tun6)
	var existing []string
	for _, pattern := range serviceDNSPatterns {
		out, err := m.scutil("list " + pattern + "\n")
		if err != nil {
			return err
		}
		existing = append(existing, parseKeyList(out)...)
	}
	keys := serviceDNSKeys(svcs, existing)
	if len(keys) == 0 {
		return errors.New("sysdns: no network service to set DNS on")
	}
	current := map[string][]scutilEntry{}
	for _, k := range keys {
		out, err := m.scutil("show " + k + "\n")
		if err != nil {
			return err
		}
		current[k], _ = parseScutilDict(out)
	}
	b, err := m.load()
	if err != nil {
		return err
	}
	ours := dnsEntries(cfg, macLoopback)
	set, backup := dnsUpdate(keys, current, b, ours)
	if len(set) == 0 {
		if len(backup) != len(b) {
			// Only gone services were forgotten.
			return m.save(backup)
		}
		return nil
	}
	// The originals are on disk before anything is overwritten.
	if err := m.save(backup); err != nil {
		return err
	}
	var script strings.Builder
	for _, k := range set {
		script.WriteString(scutilSetScript(k, ours))
	}
	out, err := m.scutil(script.String())
	if err != nil {
		return err
	}
	// scutil exits 0 when a set fails (it prints the error, such as
	// "Permission denied"), so the keys are read back.
	for _, k := range set {
		got, err := m.scutil("show " + k + "\n")
		if err != nil {
			return err
		}
		if entries, _ := parseScutilDict(got); !sameServers(entries, ours) {
			return fmt.Errorf("sysdns: scutil did not set %s: %s", k, strings.TrimSpace(out))
		}
	}
	m.log.Info("sysdns: set dynamic store DNS", "primary", svcs, "keys", set, "servers", cfg.Servers)
	return nil
}

// save journals the backup.
func (m *scutilManager) save(b scutilBackup) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return saveJournal(m.backup, data)
}

// load reads the journal; a missing journal is an empty one.
func (m *scutilManager) load() (scutilBackup, error) {
	data, err := os.ReadFile(m.backup)
	if errors.Is(err, fs.ErrNotExist) {
		return scutilBackup{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sysdns: read scutil backup: %w", err)
	}
	var b scutilBackup
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("sysdns: parse scutil backup: %w", err)
	}
	return b, nil
}

// Restore puts back each journaled key that still holds our resolver
// (restorable); a key that is gone or that the system rewrote since is
// left as the system has it.
func (m *scutilManager) Restore() error {
	b, err := m.load()
	if err != nil || len(b) == 0 {
		return err
	}
	var ours []scutilEntry
	if m.cfg != nil {
		ours = dnsEntries(*m.cfg, macLoopback)
	}
	var script strings.Builder
	var left []string
	for _, k := range slices.Sorted(maps.Keys(b)) {
		out, err := m.scutil("show " + k + "\n")
		if err != nil {
			return err
		}
		if now, ok := parseScutilDict(out); !ok || !restorable(now, ours) {
			left = append(left, k)
			continue
		}
		if b[k] == nil {
			fmt.Fprintf(&script, "remove %s\n", k)
		} else {
			script.WriteString(scutilSetScript(k, b[k]))
		}
	}
	if script.Len() > 0 {
		if _, err := m.scutil(script.String()); err != nil {
			return err
		}
	}
	m.log.Info("sysdns: restored dynamic store DNS", "keys", len(b)-len(left), "left_as_the_system_has_them", left)
	return os.Remove(m.backup)
}
