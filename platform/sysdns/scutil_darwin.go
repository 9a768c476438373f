package sysdns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	scutilBackupName = "scutil.backup.json"
	// loopbackZone scopes the link-local resolver address to lo0.
	loopbackZone = "lo0"
)

// scutilManager overrides the DNS dictionaries of the primary network service
// in the dynamic store (State: and, where the user set DNS manually, Setup:),
// journaling the originals in stateDir first.
type scutilManager struct {
	log    *slog.Logger
	backup string
	// cfg is what Set last applied, for Reassert.
	cfg *Config
}

// Detect returns the scutil manager, the only mechanism macOS offers a daemon.
func Detect(log *slog.Logger, stateDir string) Manager {
	log.Info("sysdns: chose manager", "manager", "scutil", "reason", "macOS dynamic store")
	return &scutilManager{log: log, backup: filepath.Join(stateDir, scutilBackupName)}
}

// RestoreLeftovers puts back the dictionaries a crashed run overwrote and
// removes the resolver's lo0 aliases it may have left. The aliases are
// Palisade's own fixed addresses, so they are their own journal: removing
// them when absent is no error.
func RestoreLeftovers(log *slog.Logger, stateDir string) error {
	err := (&scutilManager{log: log, backup: filepath.Join(stateDir, scutilBackupName)}).Restore()
	return errors.Join(err, RemoveLoopbackAddrs())
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
	out4, err := scutil("show State:/Network/Global/IPv4\n")
	if err != nil {
		return err
	}
	out6, err := scutil("show State:/Network/Global/IPv6\n")
	if err != nil {
		return err
	}
	svc := primaryService(out4, out6)
	if svc == "" {
		return errors.New("sysdns: no primary network service")
	}
	current := map[string][]scutilEntry{}
	setup, _ := scutil("show " + setupDNSKey(svc) + "\n")
	_, hasSetup := parseScutilDict(setup)
	keys := dnsKeys(svc, hasSetup)
	for _, k := range keys {
		out, err := scutil("show " + k + "\n")
		if err != nil {
			return err
		}
		current[k], _ = parseScutilDict(out)
	}
	b, err := m.load()
	if err != nil {
		return err
	}
	ours := dnsEntries(cfg, loopbackZone)
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
	if _, err := scutil(script.String()); err != nil {
		return err
	}
	m.log.Info("sysdns: set dynamic store DNS", "service", svc, "keys", set, "servers", cfg.Servers)
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
	if _, err := scutil(script.String()); err != nil {
		return err
	}
	m.log.Info("sysdns: restored dynamic store DNS", "keys", len(b))
	return os.Remove(m.backup)
}

func scutil(script string) (string, error) {
	cmd := exec.Command("/usr/sbin/scutil")
	cmd.Stdin = strings.NewReader(script + "quit\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sysdns: scutil: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// AddLoopbackAddrs aliases both resolver addresses on lo0: unlike Linux,
// macOS routes only 127.0.0.1 to lo0 by default.
func AddLoopbackAddrs() error {
	if err := ifconfig("lo0", "alias", LoopbackIPv4.String(), "netmask", "255.255.255.255"); err != nil {
		return err
	}
	return ifconfig("lo0", "inet6", LoopbackIPv6.WithZone(loopbackZone).String(), "prefixlen", "128", "alias")
}

// RemoveLoopbackAddrs removes both aliases; missing ones are not an error.
func RemoveLoopbackAddrs() error {
	err4 := ifconfig("lo0", "-alias", LoopbackIPv4.String())
	err6 := ifconfig("lo0", "inet6", LoopbackIPv6.WithZone(loopbackZone).String(), "-alias")
	return errors.Join(ignoreMissing(err4), ignoreMissing(err6))
}

func ifconfig(args ...string) error {
	out, err := exec.Command("/sbin/ifconfig", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("sysdns: ifconfig %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func ignoreMissing(err error) error {
	if err != nil && strings.Contains(err.Error(), "Can't assign requested address") {
		return nil
	}
	return err
}
