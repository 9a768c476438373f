package logging

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	chunk        = 64 << 10
	pollInterval = 250 * time.Millisecond
)

// Tail returns up to the last n lines of the service log, oldest first,
// reaching into rotated files when the current one is shorter than n lines.
func Tail(stateDir string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	path := filepath.Join(stateDir, FileName)
	var out []string
	for i := 0; i <= keep && len(out) < n; i++ {
		name := path
		if i > 0 {
			name = rotated(path, i)
		}
		lines, err := lastLines(name, n-len(out))
		if err != nil {
			return nil, err
		}
		out = append(lines, out...)
	}
	return out, nil
}

// lastLines reads a file backwards in chunks until it has n complete lines,
// so tailing a full 5 MiB file does not read all of it. A missing file has no
// lines.
func lastLines(path string, n int) ([]string, error) {
	f, err := openShared(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	end := fi.Size()
	var data []byte
	for end > 0 && bytes.Count(data, []byte{'\n'}) <= n {
		start := max(end-chunk, 0)
		b := make([]byte, end-start)
		if _, err := f.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		data = append(b, data...)
		end = start
	}
	data = bytes.TrimSuffix(data, []byte{'\n'})
	if len(data) == 0 {
		return nil, nil
	}
	lines := bytes.Split(data, []byte{'\n'})
	lines = lines[max(len(lines)-n, 0):]
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = string(l)
	}
	return out, nil
}

// Follow calls fn for every line appended to the service log from now on,
// following the log across rotations, until ctx is done. The log file may
// not exist yet.
func Follow(ctx context.Context, stateDir string, fn func(line string)) error {
	fw := follower{path: filepath.Join(stateDir, FileName), fn: fn}
	defer fw.close()
	if err := fw.reopen(true); err != nil {
		return err
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if err := fw.poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type follower struct {
	path    string
	fn      func(string)
	f       *os.File
	partial []byte
}

// reopen switches to the file currently at path, positioned at its end when
// atEnd (the first open) and at its start after a rotation.
func (fw *follower) reopen(atEnd bool) error {
	fw.close()
	f, err := openShared(fw.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if atEnd {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return err
		}
	}
	fw.f = f
	return nil
}

func (fw *follower) close() {
	if fw.f != nil {
		fw.f.Close()
		fw.f = nil
	}
	if len(fw.partial) > 0 {
		fw.fn(string(fw.partial))
		fw.partial = nil
	}
}

// poll delivers what was appended since the last poll, then moves to a new
// file if the log was rotated or truncated meanwhile.
func (fw *follower) poll() error {
	if fw.f == nil {
		return fw.reopen(false)
	}
	if err := fw.drain(); err != nil {
		return err
	}
	return fw.followRotation()
}

// followRotation moves to the file now at path when the open one was rotated
// away or truncated.
func (fw *follower) followRotation() error {
	cur, err := os.Stat(fw.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	open, err := fw.f.Stat()
	if err != nil {
		return err
	}
	pos, err := fw.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if os.SameFile(cur, open) {
		if cur.Size() >= pos {
			return nil
		}
		if err := fw.reopen(false); err != nil {
			return err
		}
		return fw.drain()
	}
	// The writer may have appended to the open file after the last read and
	// then rotated it: the open handle still reaches the renamed file, so
	// its end is read before the files rotated after it.
	if err := fw.drain(); err != nil {
		return err
	}
	if err := fw.catchUp(open); err != nil {
		return err
	}
	if err := fw.reopen(false); err != nil {
		return err
	}
	return fw.drain()
}

// catchUp delivers the files rotated after old, the file just finished: a
// burst of logging can rotate more than once between two polls. When old has
// already dropped off the end, those lines are gone and it skips ahead.
func (fw *follower) catchUp(old os.FileInfo) error {
	for i := keep; i >= 1; i-- {
		fi, err := os.Stat(rotated(fw.path, i))
		if err != nil || !os.SameFile(fi, old) {
			continue
		}
		for j := i - 1; j >= 1; j-- {
			if err := fw.drainFile(rotated(fw.path, j)); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

func (fw *follower) drainFile(name string) error {
	fw.close()
	f, err := openShared(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fw.f = f
	return fw.drain()
}

func (fw *follower) drain() error {
	buf := make([]byte, chunk)
	for {
		n, err := fw.f.Read(buf)
		data := append(fw.partial, buf[:n]...)
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			fw.fn(string(data[:i]))
			data = data[i+1:]
		}
		fw.partial = slices.Clone(data)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
