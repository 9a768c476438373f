// Package undolog records host changes that must be undone after a crash:
// an entry is written to disk before the change is made and removed after
// it is undone, so a service that dies at any point finds at its next start
// exactly what it may have left behind. macOS routes, the pf reference
// token and the like go through it.
package undolog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/palisadevpn/palisade/internal/atomicfile"
)

// Log is a persistent set of entries of type T, in the order they were added.
type Log[T comparable] struct {
	path string

	mu      sync.Mutex
	entries []T
	loaded  bool
}

// Open returns the log stored at path; the file is read on first use, and a
// missing file is an empty log.
func Open[T comparable](path string) *Log[T] {
	return &Log[T]{path: path}
}

// Add records e (once) and syncs the file before returning, so the caller
// may make the change only after Add succeeded.
func (l *Log[T]) Add(e T) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.loadLocked(); err != nil {
		return err
	}
	if slices.Contains(l.entries, e) {
		return nil
	}
	return l.saveLocked(append(slices.Clone(l.entries), e))
}

// Remove forgets e after it was undone; removing an absent entry is no error.
func (l *Log[T]) Remove(e T) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.loadLocked(); err != nil {
		return err
	}
	i := slices.Index(l.entries, e)
	if i < 0 {
		return nil
	}
	return l.saveLocked(slices.Delete(slices.Clone(l.entries), i, i+1))
}

// Entries returns the recorded entries, oldest first.
func (l *Log[T]) Entries() ([]T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.loadLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(l.entries), nil
}

func (l *Log[T]) loadLocked() error {
	if l.loaded {
		return nil
	}
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		l.loaded = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("undo log: %w", err)
	}
	var es []T
	if err := json.Unmarshal(data, &es); err != nil {
		// A damaged log is kept for inspection and not overwritten: its
		// entries are what the next start must still undo.
		return fmt.Errorf("undo log %s: %w", l.path, err)
	}
	l.entries, l.loaded = es, true
	return nil
}

// saveLocked writes es and adopts it only when the write succeeded; an empty
// log removes the file.
func (l *Log[T]) saveLocked(es []T) error {
	if len(es) == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("undo log: %w", err)
		}
		l.entries = nil
		return nil
	}
	data, err := json.Marshal(es)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("undo log: %w", err)
	}
	if err := atomicfile.Write(l.path, data, 0o600); err != nil {
		return fmt.Errorf("undo log: %w", err)
	}
	l.entries = es
	return nil
}
