// Package logging sets up the service's log: text records to stderr (the
// journal, launchd or the console) and to a size-rotated file in the state
// directory, which is what `palisade logs` reads back over IPC.
package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// FileName is the current log file inside the state directory; rotated files
// get the suffixes .1 (newest) to .3 (oldest).
const FileName = "palisaded.log"

const (
	maxSize = 5 << 20
	keep    = 3
)

// New returns a logger writing to stderr and to the rotated log file in
// stateDir. Close the returned Closer on exit to flush and release the file.
func New(stateDir string, level slog.Level) (*slog.Logger, io.Closer, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, nil, err
	}
	r, err := openRotator(filepath.Join(stateDir, FileName), maxSize, keep)
	if err != nil {
		return nil, nil, err
	}
	h := slog.NewTextHandler(tee{file: r, console: os.Stderr}, &slog.HandlerOptions{Level: level})
	return slog.New(h), r, nil
}

// tee writes every record to the file and, best effort, to the console: a
// Windows service has no usable stderr, and that must not lose the file copy.
type tee struct {
	file    io.Writer
	console io.Writer
}

func (t tee) Write(p []byte) (int, error) {
	t.console.Write(p)
	return t.file.Write(p)
}

// rotator is an append-only file that is renamed aside once it would grow
// past max bytes. slog hands it whole records, so lines never straddle files.
type rotator struct {
	mu   sync.Mutex
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

func openRotator(path string, max int64, keep int) (*rotator, error) {
	r := &rotator{path: path, max: max, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rotator) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, fi.Size()
	return nil
}

func (r *rotator) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.max {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *rotator) rotate() error {
	if err := r.f.Close(); err != nil {
		return err
	}
	r.f = nil
	for i := r.keep - 1; i >= 1; i-- {
		if err := os.Rename(rotated(r.path, i), rotated(r.path, i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(r.path, rotated(r.path, 1)); err != nil {
		return err
	}
	return r.open()
}

// Close closes the log file; later writes fail with os.ErrClosed.
func (r *rotator) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

func rotated(path string, i int) string {
	return fmt.Sprintf("%s.%d", path, i)
}
