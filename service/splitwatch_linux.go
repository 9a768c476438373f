package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
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
type execWatcher struct {
	log      *slog.Logger
	f        *os.File
	programs []string
	move     func(pid int) error
	// denyUnmoved refuses the exec of a process that could not be moved:
	// a vpn-only program outside its group would go out directly, past
	// the kill switch that holds only the group. (A bypass program left
	// outside merely keeps to the tunnel, so its exec is allowed.)
	denyUnmoved bool
	done        chan struct{}
	stop        chan struct{}
}

// rearmEvery is how often the marks are renewed for replaced programs.
const rearmEvery = 30 * time.Second

// readRetry is the pause after a failed read of the event queue.
const readRetry = 10 * time.Millisecond

// newExecWatcher marks programs and starts answering their execs. A
// program that cannot be marked (not on disk) is logged and skipped.
// denyUnmoved: see execWatcher.
func newExecWatcher(log *slog.Logger, programs []string, move func(pid int) error, denyUnmoved bool) (*execWatcher, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_CONTENT|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_LARGEFILE)
	if err != nil {
		return nil, fmt.Errorf("split tunnel: fanotify: %w", err)
	}
	w := &execWatcher{log: log, f: os.NewFile(uintptr(fd), "fanotify"), programs: programs, move: move,
		denyUnmoved: denyUnmoved, done: make(chan struct{}), stop: make(chan struct{})}
	for _, p := range programs {
		if err := w.mark(p); err != nil {
			log.Warn("split tunnel: program not watched", "program", p, "err", err)
		}
	}
	go w.loop()
	go w.rearm()
	return w, nil
}

// mark adds program's mark; through the file's own descriptor, so a mark
// racing Close fails instead of reaching a reused descriptor number.
func (w *execWatcher) mark(program string) error {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var markErr error
	if err := rc.Control(func(fd uintptr) {
		markErr = unix.FanotifyMark(int(fd), unix.FAN_MARK_ADD, unix.FAN_OPEN_EXEC_PERM, unix.AT_FDCWD, program)
	}); err != nil {
		return err
	}
	return markErr
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
			for _, p := range w.programs {
				w.mark(p) // a program missing now was logged when the watch began
			}
		}
	}
}

// loop answers permission events until the watcher is closed.
func (w *execWatcher) loop() {
	defer close(w.done)
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
			w.log.Error("split tunnel: exec event lost, the exec was refused", "err", err)
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
// leaves the program where it was, which the log says, and refuses the
// exec when denyUnmoved.
func (w *execWatcher) answer(ev *unix.FanotifyEventMetadata) {
	if ev.Fd < 0 {
		return
	}
	defer unix.Close(int(ev.Fd))
	exe, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(ev.Fd)))
	verdict := uint32(unix.FAN_ALLOW)
	if ev.Mask&unix.FAN_OPEN_EXEC_PERM != 0 {
		switch err := w.move(int(ev.Pid)); {
		case err != nil && w.denyUnmoved:
			verdict = unix.FAN_DENY
			w.log.Error("split tunnel: new process not moved, exec refused: it would run outside the vpn-only group's kill switch", "pid", ev.Pid, "program", exe, "err", err)
		case err != nil:
			w.log.Warn("split tunnel: new process not moved", "pid", ev.Pid, "program", exe, "err", err)
		default:
			w.log.Info("split tunnel: new process moved into the group", "pid", ev.Pid, "program", exe)
		}
	}
	resp := binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, uint32(ev.Fd)), verdict)
	if _, err := w.f.Write(resp); err != nil {
		w.log.Error("split tunnel: exec not answered", "pid", ev.Pid, "err", err)
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
