package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrExited says a process ended before (or while) it was moved.
var ErrExited = errors.New("the process exited")

// Proc is a handle on one process (a pidfd). Its number names another
// process once this one is reaped; the handle never does, so it tells
// whether the number still named this process at a given moment.
type Proc struct {
	PID int
	fd  int
}

// OpenProc takes a handle on the process that has number pid now.
func OpenProc(pid int) (*Proc, error) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("process %d: %w", pid, ErrExited)
	}
	if err != nil {
		return nil, fmt.Errorf("process %d: pidfd: %w", pid, err)
	}
	return &Proc{PID: pid, fd: fd}, nil
}

// ProcFromPidfd wraps a pidfd the kernel handed over (fanotify's
// FAN_REPORT_PIDFD); the Proc owns it.
func ProcFromPidfd(fd, pid int) *Proc { return &Proc{PID: pid, fd: fd} }

// Alive reports whether the process has not been reaped: until then its
// number is its own (an exited, unreaped process keeps it).
func (p *Proc) Alive() bool {
	return unix.PidfdSendSignal(p.fd, 0, nil, 0) == nil
}

// Close releases the handle.
func (p *Proc) Close() error { return unix.Close(p.fd) }

// Exe reads the process's executable through its number, then checks
// that the number was still the process's own after the read.
func (p *Proc) Exe() (string, error) {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(p.PID) + "/exe")
	if !p.Alive() {
		return "", fmt.Errorf("process %d: %w", p.PID, ErrExited)
	}
	return exe, err
}

// Group is the process's cgroup2 path, read as Exe is.
func (p *Proc) Group() (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/cgroup")
	if !p.Alive() {
		return "", fmt.Errorf("process %d: %w", p.PID, ErrExited)
	}
	if err != nil {
		return "", err
	}
	return ParseProcCgroup(string(b))
}

// MoveProc puts p into the group rel. The kernel takes a number, not a
// handle, so the handle is checked before and after the write: alive
// after it, the number was p's own when written (a number is not reused
// before its process is reaped). If p was reaped in between, the number
// may have gone to another process at that instant; whatever holds it
// now is taken back out of rel, to rel's parent, and ErrExited returned.
func (m Mount) MoveProc(rel string, p *Proc) error {
	if !p.Alive() {
		return fmt.Errorf("move process %d into cgroup %s: %w", p.PID, rel, ErrExited)
	}
	err := m.Move(rel, p.PID)
	if p.Alive() {
		return err
	}
	if err == nil {
		m.undoMove(rel, p.PID)
	}
	return fmt.Errorf("move process %d into cgroup %s: %w", p.PID, rel, ErrExited)
}

// undoMove takes the process now numbered pid out of rel, if it is there.
func (m Mount) undoMove(rel string, pid int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return
	}
	if cur, err := ParseProcCgroup(string(b)); err == nil && cur == "/"+rel {
		m.Move(path.Dir(rel), pid)
	}
}
