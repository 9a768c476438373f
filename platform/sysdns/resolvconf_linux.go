package sysdns

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/palisadevpn/palisade/platform/spawn"
)

const resolvconfJournal = "resolvconf.record"

// resolvconfManager hands our configuration to resolvconf (Debian's or
// openresolv) as the record "<iface>.palisade". The record name is journaled
// in stateDir first so that a crashed run's record can be deleted at start.
type resolvconfManager struct {
	log      *slog.Logger
	bin      string
	journal  string
	loopback string
	record   string
}

func newResolvconfManager(log *slog.Logger, bin, stateDir, loopback string) *resolvconfManager {
	return &resolvconfManager{log: log, bin: bin, journal: filepath.Join(stateDir, resolvconfJournal), loopback: loopback}
}

func (m *resolvconfManager) Name() string { return "resolvconf" }

func (m *resolvconfManager) Set(cfg Config) error {
	if err := validate(cfg); err != nil {
		return err
	}
	if cfg.Interface == "" || strings.ContainsAny(cfg.Interface, "/ \t\n") {
		return fmt.Errorf("sysdns: invalid interface name %q", cfg.Interface)
	}
	record := cfg.Interface + ".palisade"
	if m.record != "" && m.record != record {
		if err := m.Restore(); err != nil {
			return err
		}
	}
	if err := saveJournal(m.journal, []byte(record+"\n")); err != nil {
		return fmt.Errorf("sysdns: journal resolvconf record: %w", err)
	}
	if err := runResolvconf(m.bin, renderResolvConf(cfg, m.loopback), "-a", record); err != nil {
		return err
	}
	m.record = record
	m.log.Info("sysdns: added resolvconf record", "record", record, "servers", cfg.Servers)
	return nil
}

func (m *resolvconfManager) Restore() error {
	if err := deleteRecord(m.log, m.bin, m.journal); err != nil {
		return err
	}
	m.record = ""
	return nil
}

// deleteRecord removes the record named in the journal, then the journal.
func deleteRecord(log *slog.Logger, bin, journal string) error {
	data, err := os.ReadFile(journal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sysdns: read resolvconf journal: %w", err)
	}
	record := strings.TrimSpace(string(data))
	if record != "" {
		// openresolv fails on a record that is already gone unless given -f,
		// which Debian's resolvconf does not take before -d; try both forms.
		if err := runResolvconf(bin, nil, "-d", record); err != nil {
			if ferr := runResolvconf(bin, nil, "-f", "-d", record); ferr != nil {
				return err
			}
		}
		log.Info("sysdns: deleted resolvconf record", "record", record)
	}
	if err := os.Remove(journal); err != nil {
		return fmt.Errorf("sysdns: remove resolvconf journal: %w", err)
	}
	return nil
}

func runResolvconf(bin string, stdin []byte, args ...string) error {
	// Through spawn: resolvconf is a shell script, and a user may list
	// the shell (or resolvconf) for split tunnelling.
	cmd := spawn.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sysdns: %s %s: %w: %s", bin, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
