package sysdns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

const (
	scutilBackupName = "scutil.backup.json"
	// macLoopback is macOS's loopback interface, the zone of the
	// link-local resolver address in the dynamic store.
	macLoopback = "lo0"
)

// scutilManager overrides the DNS dictionaries of the primary network service
// in the dynamic store (State: and, where the user set DNS manually, Setup:),
// and of the tunnel's service once it is published to become primary
// (dnsServices), journaling the originals in stateDir first.
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
	if len(svcs) == 0 {
		return errors.New("sysdns: no primary network service")
	}
	current := map[string][]scutilEntry{}
	var keys []string
	for _, svc := range svcs {
		setup, _ := m.scutil("show " + setupDNSKey(svc) + "\n")
		_, hasSetup := parseScutilDict(setup)
		keys = append(keys, dnsKeys(svc, hasSetup)...)
	}
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
		return nil
	}
	// The originals are on disk before anything is overwritten.
	data, err := json.Marshal(backup)
	if err != nil {
		return err
	}
	if err := saveJournal(m.backup, data); err != nil {
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
	m.log.Info("sysdns: set dynamic store DNS", "services", svcs, "keys", set, "servers", cfg.Servers)
	return nil
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

func (m *scutilManager) Restore() error {
	b, err := m.load()
	if err != nil || len(b) == 0 {
		return err
	}
	var script strings.Builder
	for k, entries := range b {
		if entries == nil {
			fmt.Fprintf(&script, "remove %s\n", k)
		} else {
			script.WriteString(scutilSetScript(k, entries))
		}
	}
	if _, err := m.scutil(script.String()); err != nil {
		return err
	}
	m.log.Info("sysdns: restored dynamic store DNS", "keys", len(b))
	return os.Remove(m.backup)
}
