package sysdns

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/palisadevpn/palisade/internal/atomicfile"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ResolvConf is the file the "file" and "resolvconf" managers deal with.
const ResolvConf = "/etc/resolv.conf"

const (
	backupName      = "resolv.conf.backup"
	defaultInterval = 2 * time.Second
)

// fileManager rewrites resolv.conf directly. Before the first change it saves
// the original bytes to stateDir (the crash journal); while set, it re-asserts
// its content when DHCP clients or NetworkManager overwrite the file.
type fileManager struct {
	log      *slog.Logger
	path     string
	backup   string
	loopback string
	interval time.Duration

	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

func newFileManager(log *slog.Logger, path, stateDir, loopback string) *fileManager {
	return &fileManager{
		log: log, path: path, loopback: loopback, interval: defaultInterval,
		backup: filepath.Join(stateDir, backupName),
	}
}

func (m *fileManager) Name() string { return "file" }

// Set journals the original file (once; an existing backup from an earlier
// Set or a crash is the true original) and writes cfg.
func (m *fileManager) Set(cfg Config) error {
	if err := validate(cfg); err != nil {
		return err
	}
	m.stopWatch()
	target, err := filepath.EvalSymlinks(m.path)
	if err != nil {
		return fmt.Errorf("sysdns: resolve %s: %w", m.path, err)
	}
	if _, err := os.Stat(m.backup); errors.Is(err, fs.ErrNotExist) {
		orig, err := os.ReadFile(target)
		if err != nil {
			return fmt.Errorf("sysdns: read %s: %w", target, err)
		}
		if err := saveJournal(m.backup, orig); err != nil {
			return fmt.Errorf("sysdns: journal %s: %w", m.path, err)
		}
	}
	want := renderResolvConf(cfg, m.loopback)
	if err := writeResolvConf(target, want); err != nil {
		return err
	}
	m.log.Info("sysdns: wrote resolv.conf", "path", target, "servers", cfg.Servers, "backup", m.backup)
	m.startWatch(target, want)
	return nil
}

// Restore writes the journaled original back byte for byte and deletes the
// journal. Without a journal there is nothing to undo.
func (m *fileManager) Restore() error {
	m.stopWatch()
	return restoreFile(m.log, m.path, m.backup)
}

func restoreFile(log *slog.Logger, path, backup string) error {
	orig, err := os.ReadFile(backup)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sysdns: read backup: %w", err)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("sysdns: resolve %s: %w", path, err)
	}
	if err := writeResolvConf(target, orig); err != nil {
		return err
	}
	if err := os.Remove(backup); err != nil {
		return fmt.Errorf("sysdns: remove backup: %w", err)
	}
	log.Info("sysdns: restored resolv.conf", "path", target, "from", backup)
	return nil
}

// writeResolvConf replaces the file atomically. In containers resolv.conf is
// often a bind mount, where rename fails with EBUSY, and under the systemd
// unit's ProtectSystem=strict only the file itself is writable, so creating
// the temporary file fails with EROFS; in both cases the file is rewritten
// in place.
func writeResolvConf(path string, data []byte) error {
	err := atomicfile.Write(path, data, 0o644)
	if errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EROFS) {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		return fmt.Errorf("sysdns: write %s: %w", path, err)
	}
	return nil
}

// startWatch re-asserts want every interval until stopWatch. Polling (rather
// than inotify) also catches the file being replaced by rename, which is how
// most tools write it.
func (m *fileManager) startWatch(path string, want []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(m.interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, want) {
				continue
			}
			m.log.Warn("sysdns: resolv.conf changed by someone else; re-asserting", "path", path)
			if err := writeResolvConf(path, want); err != nil {
				m.log.Error("sysdns: re-assert failed", "err", err)
			}
		}
	}(m.stop, m.done)
}

func (m *fileManager) stopWatch() {
	m.mu.Lock()
	stop, done := m.stop, m.done
	m.stop, m.done = nil, nil
	m.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}
