package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// execWatcher moves new processes of the listed programs into a split
// group before they run: a fanotify permission mark on each program's
// file makes the kernel hold every exec of it until the service has
// moved the exec'ing process and allowed it, so not even its first
// socket is created outside the group. Marks are on the files' inodes,
// so nothing else pays for the watch; closing the watcher allows whatever
// is still held. A program replaced by an update is a new inode: the
// marks are added again every rearmEvery (adding to a marked inode
// changes nothing).
//
// A change of the list or the mode is made on the same fanotify
// descriptor (update): the programs still listed keep their marks, so
// none of their execs slips through unmarked while the watch changes.
type execWatcher struct {
	f    *os.File
	logs *watchLog
	// mu is held while an event is answered and while cfg changes, so an
	// exec is answered wholly under the old list and mode or the new.
	mu   sync.Mutex
	cfg  watchConfig
	done chan struct{}
	stop chan struct{}
}

// watchConfig is what the watch follows: the listed programs and where
// their new processes go.
type watchConfig struct {
	programs []string
	move     func(pid int) error
	// denyUnmoved refuses the exec of a process that could not be moved:
	// a vpn-only program outside its group would go out directly, past
	// the kill switch that holds only the group. (A bypass program left
	// outside merely keeps to the tunnel, so its exec is allowed.)
	denyUnmoved bool
}

// rearmEvery is how often the marks are renewed for replaced programs.
const rearmEvery = 30 * time.Second

// readRetry is the pause after a failed read of the event queue.
const readRetry = 10 * time.Millisecond

// newExecWatcher marks cfg's programs and starts answering their execs. A
// program that cannot be marked (not on disk) is logged and skipped.
func newExecWatcher(log *slog.Logger, cfg watchConfig) (*execWatcher, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_CONTENT|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_LARGEFILE)
	if err != nil {
		return nil, fmt.Errorf("split tunnel: fanotify: %w", err)
	}
	w := &execWatcher{f: os.NewFile(uintptr(fd), "fanotify"), logs: newWatchLog(log), cfg: cfg,
		done: make(chan struct{}), stop: make(chan struct{})}
	for _, p := range cfg.programs {
		if err := w.mark(unix.FAN_MARK_ADD, p); err != nil {
			log.Warn("split tunnel: program not watched", "program", p, "err", err)
		}
	}
	go w.loop()
	go w.rearm()
	return w, nil
}

// update follows cfg from now on: the new programs are marked before the
// old ones lose their marks, and an exec is answered either wholly before
// the change or wholly after it.
func (w *execWatcher) update(log *slog.Logger, cfg watchConfig) {
	for _, p := range cfg.programs {
		if err := w.mark(unix.FAN_MARK_ADD, p); err != nil {
			log.Warn("split tunnel: program not watched", "program", p, "err", err)
		}
	}
	w.mu.Lock()
	old := w.cfg.programs
	w.cfg = cfg
	w.mu.Unlock()
	for _, p := range old {
		if !slices.Contains(cfg.programs, p) {
			// A file gone or replaced since has no mark to remove here.
			w.mark(unix.FAN_MARK_REMOVE, p)
		}
	}
}

// mark adds (or removes) program's mark; through the file's own
// descriptor, so a mark racing Close fails instead of reaching a reused
// descriptor number.
func (w *execWatcher) mark(op uint, program string) error {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var markErr error
	if err := rc.Control(func(fd uintptr) {
		markErr = unix.FanotifyMark(int(fd), op, unix.FAN_OPEN_EXEC_PERM, unix.AT_FDCWD, program)
	}); err != nil {
		return err
	}
	return markErr
}

// programs is the list the watch follows now.
func (w *execWatcher) programs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.programs
}

// rearm marks the programs again now and then, until Close.
func (w *execWatcher) rearm() {
	t := time.NewTicker(rearmEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			for _, p := range w.programs() {
				w.mark(unix.FAN_MARK_ADD, p) // a program missing now was logged when the watch began
			}
		}
	}
}

// loop answers permission events until the watcher is closed.
func (w *execWatcher) loop() {
	defer close(w.done)
	defer w.logs.close()
	buf := make([]byte, 4096)
	meta := int(unsafe.Sizeof(unix.FanotifyEventMetadata{}))
	for {
		n, err := w.f.Read(buf)
		if errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// The kernel refused the event it could not hand over (no
			// descriptor left for it: EMFILE, ENFILE); the next ones must
			// still be answered, or their execs wait until the service
			// exits. The pause keeps a persistent error from spinning.
			w.logs.add(slog.LevelError, "split tunnel: exec event lost, the exec was refused", "err", err)
			time.Sleep(readRetry)
			continue
		}
		for off := 0; off+meta <= n; {
			ev := (*unix.FanotifyEventMetadata)(unsafe.Pointer(&buf[off]))
			if ev.Event_len < uint32(meta) || off+int(ev.Event_len) > n {
				break
			}
			w.answer(ev)
			off += int(ev.Event_len)
		}
	}
}

// answer moves the exec'ing process, then allows the exec; a failed move
// leaves the program where it was, and refuses the exec when denyUnmoved.
// The exec waits for the answer, so the answer is written before the log
// line is queued, and the queue never waits (watchLog).
func (w *execWatcher) answer(ev *unix.FanotifyEventMetadata) {
	if ev.Fd < 0 {
		return
	}
	defer unix.Close(int(ev.Fd))
	verdict := uint32(unix.FAN_ALLOW)
	var moveErr error
	w.mu.Lock()
	if ev.Mask&unix.FAN_OPEN_EXEC_PERM != 0 {
		if moveErr = w.cfg.move(int(ev.Pid)); moveErr != nil && w.cfg.denyUnmoved {
			verdict = unix.FAN_DENY
		}
	}
	w.mu.Unlock()
	resp := binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, uint32(ev.Fd)), verdict)
	_, writeErr := w.f.Write(resp)
	exe, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(ev.Fd)))
	switch {
	case writeErr != nil:
		w.logs.add(slog.LevelError, "split tunnel: exec not answered", "pid", ev.Pid, "program", exe, "err", writeErr)
	case ev.Mask&unix.FAN_OPEN_EXEC_PERM == 0:
	case moveErr != nil && verdict == unix.FAN_DENY:
		w.logs.add(slog.LevelError, "split tunnel: new process not moved, exec refused: it would run outside the vpn-only group's kill switch", "pid", ev.Pid, "program", exe, "err", moveErr)
	case moveErr != nil:
		w.logs.add(slog.LevelWarn, "split tunnel: new process not moved", "pid", ev.Pid, "program", exe, "err", moveErr)
	default:
		w.logs.add(slog.LevelInfo, "split tunnel: new process moved into the group", "pid", ev.Pid, "program", exe)
	}
}

// Close stops watching; execs still held are allowed by the kernel.
func (w *execWatcher) Close() {
	close(w.stop)
	w.f.Close()
	<-w.done
}

// runningProcesses lists the processes with a readable executable.
func runningProcesses() []Process {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []Process
	for _, e := range ents {
		pid, ok := pidDir(e.Name())
		if !ok {
			continue
		}
		if exe, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil {
			out = append(out, Process{PID: pid, Exe: exe})
		}
	}
	return out
}
