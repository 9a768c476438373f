package service

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"golang.org/x/sys/unix"
)

// TestAnswerBeforeLogging: with the log writer blocked, every exec event
// is still answered at once (allowed, or refused when the vpn-only move
// failed), more events than the log queue holds; the lines that did not
// fit are counted. Runs without root: the answers go to a pipe.
func TestAnswerBeforeLogging(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	bw := newBlockingWriter(t)
	w := &execWatcher{f: pw, logs: newWatchLog(slog.New(slog.NewTextHandler(bw, nil)))}
	defer w.logs.close()
	defer func() { closeAll(w.moved) }()
	fail := errors.New("group gone")
	// The events are for /dev/null, listed here.
	var st unix.Stat_t
	if err := unix.Stat(os.DevNull, &st); err != nil {
		t.Fatal(err)
	}
	ids := map[fileID]string{{dev: uint64(st.Dev), ino: st.Ino}: os.DevNull}
	for _, c := range []struct {
		name string
		cfg  watchConfig
		want uint32
	}{
		{"moved", watchConfig{move: func(*cgroup.Proc) error { return nil }}, unix.FAN_ALLOW},
		{"bypass, not moved", watchConfig{move: func(*cgroup.Proc) error { return fail }}, unix.FAN_ALLOW},
		{"vpn-only, not moved", watchConfig{move: func(*cgroup.Proc) error { return fail }, denyUnmoved: true}, unix.FAN_DENY},
	} {
		w.cfg = c.cfg
		w.cfg.ids = ids
		for range watchLogQueue/2 + 1 {
			// A raw descriptor, as the kernel hands over: answer closes it.
			raw, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			fd := int32(raw)
			ev := &unix.FanotifyEventMetadata{Mask: unix.FAN_OPEN_EXEC_PERM, Fd: fd, Pid: int32(os.Getpid())}
			answered := make(chan struct{})
			go func() {
				w.answer(ev, 0, false)
				close(answered)
			}()
			select {
			case <-answered:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the answer waited for the blocked log", c.name)
			}
			resp := make([]byte, 8)
			pr.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(pr, resp); err != nil {
				t.Fatalf("%s: no answer: %v", c.name, err)
			}
			gotFd, verdict := int32(binary.NativeEndian.Uint32(resp)), binary.NativeEndian.Uint32(resp[4:])
			if gotFd != fd || verdict != c.want {
				t.Fatalf("%s: answered fd %d verdict %#x, want fd %d verdict %#x", c.name, gotFd, verdict, fd, c.want)
			}
		}
	}
	if w.logs.dropped.Load() == 0 {
		t.Error("no line counted as dropped while the log was blocked")
	}
	bw.unblock()
	bw.waitFor(t, "lines dropped")
}
