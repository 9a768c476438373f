package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/palisadevpn/palisade/platform/cgroup"
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
	mu  sync.Mutex
	cfg watchConfig
	// moved are the processes moved since the last change, pinned, with
	// the program they exec'd, until their exec is seen done: a change
	// that takes the program off releases them even while /proc still
	// shows the old executable (update).
	moved []pinned
	done  chan struct{}
	stop  chan struct{}
}

// pinned is a process held by a handle, and the program it runs (or is
// starting).
type pinned struct {
	proc    *cgroup.Proc
	program string
}

// maxMoved bounds moved: execs end in milliseconds, so more entries than
// this mean processes stuck in their exec; the oldest are let go.
const maxMoved = 256

// watchConfig is what the watch follows: the listed programs and where
// their new processes go.
type watchConfig struct {
	programs []string
	// ids are the listed programs' files as marked: an exec event is
	// answered for its file, so one queued before a program left the
	// list is not moved after.
	ids  map[fileID]string
	move func(p *cgroup.Proc) error
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
// program that cannot be marked (not on disk) is logged and skipped. The
// kernel hands over a handle on each exec'ing process (FAN_REPORT_PIDFD,
// Linux 5.15); older kernels take one by number when the event is read.
func newExecWatcher(log *slog.Logger, cfg watchConfig) (*execWatcher, error) {
	const flags = unix.FAN_CLASS_CONTENT | unix.FAN_CLOEXEC | unix.FAN_NONBLOCK
	fd, err := unix.FanotifyInit(flags|unix.FAN_REPORT_PIDFD, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_LARGEFILE)
	if errors.Is(err, unix.EINVAL) {
		log.Info("split tunnel: this kernel hands over no process handles with exec events (FAN_REPORT_PIDFD, Linux 5.15); taking them by number")
		fd, err = unix.FanotifyInit(flags, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_LARGEFILE)
	}
	if err != nil {
		return nil, fmt.Errorf("split tunnel: fanotify: %w", err)
	}
	w := &execWatcher{f: os.NewFile(uintptr(fd), "fanotify"), logs: newWatchLog(log),
		done: make(chan struct{}), stop: make(chan struct{})}
	cfg.ids = w.markAll(log, cfg.programs)
	w.cfg = cfg
	go w.loop()
	go w.rearm()
	return w, nil
}

// markAll marks programs and returns the files marked.
func (w *execWatcher) markAll(log *slog.Logger, programs []string) map[fileID]string {
	ids := map[fileID]string{}
	for _, p := range programs {
		if ownProgram(p) {
			log.Warn("split tunnel: program not watched: it is the service's own, which starts the service's helper programs and must never wait on the watch", "program", p)
			continue
		}
		id, err := w.mark(unix.FAN_MARK_ADD, p)
		if err != nil {
			log.Warn("split tunnel: program not watched", "program", p, "err", err)
			continue
		}
		ids[id] = p
	}
	return ids
}

// update follows cfg from now on and returns the processes moved under
// the old list whose exec may not be done yet, for the caller to release
// those of programs taken off. The new programs are marked under the same
// lock as the change, so every exec is answered wholly under the old
// list and mode or the new; the old programs lose their marks after.
func (w *execWatcher) update(log *slog.Logger, cfg watchConfig) []pinned {
	w.mu.Lock()
	cfg.ids = w.markAll(log, cfg.programs)
	old := w.cfg.programs
	w.cfg = cfg
	moved := w.moved
	w.moved = nil
	w.mu.Unlock()
	for _, p := range old {
		if !slices.Contains(cfg.programs, p) {
			// A file gone or replaced since has no mark to remove here.
			w.mark(unix.FAN_MARK_REMOVE, p)
		}
	}
	return moved
}

// mark adds (or removes) program's mark; through the file's own
// descriptor, so a mark racing Close fails instead of reaching a reused
// descriptor number.
// The file marked is returned by identity.
func (w *execWatcher) mark(op uint, program string) (fileID, error) {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return fileID{}, err
	}
	var markErr error
	if err := rc.Control(func(fd uintptr) {
		markErr = unix.FanotifyMark(int(fd), op, unix.FAN_OPEN_EXEC_PERM, unix.AT_FDCWD, program)
	}); err != nil {
		return fileID{}, err
	}
	if markErr != nil {
		return fileID{}, markErr
	}
	var st unix.Stat_t
	if err := unix.Stat(program, &st); err != nil {
		return fileID{}, err
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, nil
}

// ownProgram reports whether program is the running program's file.
// palisaded starts its helper programs by exec'ing itself (package spawn),
// and that exec must not wait on this process's own watch.
func ownProgram(program string) bool {
	p, err := os.Stat(program)
	if err != nil {
		return false
	}
	self, err := os.Stat("/proc/self/exe")
	return err == nil && os.SameFile(p, self)
}

// rearm marks the programs again now and then, until Close; a replaced
// file is listed by its new identity too.
func (w *execWatcher) rearm() {
	t := time.NewTicker(rearmEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.remark()
		}
	}
}

// remark marks the listed programs again; a program missing now was
// logged when the watch began.
func (w *execWatcher) remark() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.cfg.programs {
		if ownProgram(p) {
			continue
		}
		if id, err := w.mark(unix.FAN_MARK_ADD, p); err == nil {
			w.cfg.ids[id] = p
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
			if ev.Event_len < uint32(meta) || off+int(ev.Event_len) > n || int(ev.Metadata_len) < meta || ev.Metadata_len > uint16(ev.Event_len) {
				break
			}
			pidfd, has := eventPidfd(buf[off+int(ev.Metadata_len) : off+int(ev.Event_len)])
			w.answer(ev, pidfd, has)
			off += int(ev.Event_len)
		}
	}
}

// answer moves the exec'ing process, then allows the exec; a failed move
// leaves the program where it was, and refuses the exec when denyUnmoved.
// An exec of a file no longer listed (its event queued before the change)
// is allowed and not moved. The process is moved through a handle
// (pidfd), so a number reused meanwhile is never moved. The exec waits
// for the answer, so the answer is written before the log line is queued,
// and the queue never waits (watchLog).
func (w *execWatcher) answer(ev *unix.FanotifyEventMetadata, pidfd int32, hasPidfd bool) {
	if hasPidfd && pidfd >= 0 && ev.Fd < 0 {
		unix.Close(int(pidfd))
	}
	if ev.Fd < 0 {
		return
	}
	defer unix.Close(int(ev.Fd))
	proc, procErr := pin(ev, pidfd, hasPidfd)
	verdict := uint32(unix.FAN_ALLOW)
	var moveErr error
	listed := false
	w.mu.Lock()
	if ev.Mask&unix.FAN_OPEN_EXEC_PERM != 0 {
		var program string
		if program, listed = w.cfg.listed(ev.Fd); listed {
			if moveErr = procErr; moveErr == nil {
				moveErr = w.cfg.move(proc)
			}
			if moveErr != nil && w.cfg.denyUnmoved {
				verdict = unix.FAN_DENY
			}
			if moveErr == nil {
				w.track(pinned{proc, program})
				proc = nil
			}
		}
	}
	w.mu.Unlock()
	if proc != nil {
		proc.Close()
	}
	resp := binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, uint32(ev.Fd)), verdict)
	_, writeErr := w.f.Write(resp)
	exe, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(ev.Fd)))
	switch {
	case writeErr != nil:
		w.logs.add(slog.LevelError, "split tunnel: exec not answered", "pid", ev.Pid, "program", exe, "err", writeErr)
	case ev.Mask&unix.FAN_OPEN_EXEC_PERM == 0:
	case !listed:
		w.logs.add(slog.LevelInfo, "split tunnel: exec of a program taken off the list: not moved", "pid", ev.Pid, "program", exe)
	case moveErr != nil && verdict == unix.FAN_DENY:
		w.logs.add(slog.LevelError, "split tunnel: new process not moved, exec refused: it would run outside the vpn-only group's kill switch", "pid", ev.Pid, "program", exe, "err", moveErr)
	case moveErr != nil:
		w.logs.add(slog.LevelWarn, "split tunnel: new process not moved", "pid", ev.Pid, "program", exe, "err", moveErr)
	default:
		w.logs.add(slog.LevelInfo, "split tunnel: new process moved into the group", "pid", ev.Pid, "program", exe)
	}
}

// pin is the handle on the exec'ing process: the kernel's own
// (FAN_REPORT_PIDFD), or, on older kernels, one taken by number now. The
// process waits in its exec, so the number is still its own unless it
// was killed and reaped since the event: that window remains there.
func pin(ev *unix.FanotifyEventMetadata, pidfd int32, hasPidfd bool) (*cgroup.Proc, error) {
	switch {
	case !hasPidfd:
		return cgroup.OpenProc(int(ev.Pid))
	case pidfd >= 0:
		return cgroup.ProcFromPidfd(int(pidfd), int(ev.Pid)), nil
	case pidfd == fanNoPidfd:
		return nil, fmt.Errorf("process %d: %w", ev.Pid, cgroup.ErrExited)
	default:
		return nil, fmt.Errorf("process %d: the kernel gave no handle on it (%d)", ev.Pid, pidfd)
	}
}

// listed names the listed program whose file fd is.
func (c watchConfig) listed(fd int32) (string, bool) {
	var st unix.Stat_t
	if unix.Fstat(int(fd), &st) != nil {
		return "", false
	}
	p, ok := c.ids[fileID{dev: uint64(st.Dev), ino: st.Ino}]
	return p, ok
}

// track keeps p until its exec is seen done, dropping the entries whose
// exec is (or whose process is gone); w.mu is held.
func (w *execWatcher) track(p pinned) {
	w.moved = slices.DeleteFunc(w.moved, func(m pinned) bool {
		exe, err := m.proc.Exe()
		if err != nil || filepath.Clean(exe) == m.program {
			m.proc.Close()
			return true
		}
		return false
	})
	if len(w.moved) >= maxMoved {
		w.moved[0].proc.Close()
		w.moved = w.moved[1:]
	}
	w.moved = append(w.moved, p)
}

// stopWatch ends the watch (execs still held are allowed by the kernel) and
// returns the processes moved since the last change, as update does.
func (w *execWatcher) stopWatch() []pinned {
	close(w.stop)
	w.f.Close()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	moved := w.moved
	w.moved = nil
	return moved
}

// Close stops watching; execs still held are allowed by the kernel.
func (w *execWatcher) Close() {
	closeAll(w.stopWatch())
}

// closeAll lets the handles go.
func closeAll(ps []pinned) {
	for _, p := range ps {
		p.proc.Close()
	}
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
