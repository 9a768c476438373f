package service

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/platform/spawn"
)

// TestMain lets the test binary be a spawn helper, as palisaded's main
// does (the exec watch tests start programs through it).
func TestMain(m *testing.M) {
	spawn.Helper(os.Args)
	spawn.UseSelf()
	os.Exit(m.Run())
}

// ownExecEnv names the listed program to the child process of
// TestOwnExecOfListedProgram.
const ownExecEnv = "PALISADE_TEST_OWN_EXEC"

// TestOwnExecOfListedProgram: the service starting a listed program
// itself (resolvconf, or a shell a user listed, as resolvconf's
// interpreter) never freezes its watch, while garbage collections run
// all the time. A plain exec.Cmd.Start froze the process: its vforking
// thread waits for the watch's answer, a collection waits for that thread,
// and the watch goroutine waits for the collection. A frozen process
// cannot time itself out, so the execs run in a child process, killed
// after two minutes.
func TestOwnExecOfListedProgram(t *testing.T) {
	if prog := os.Getenv(ownExecEnv); prog != "" {
		ownExecs(t, prog)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: fanotify")
	}
	prog := copyProgram(t, "true")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestOwnExecOfListedProgram$", "-test.count=1", "-test.v")
	c.Env = append(os.Environ(), ownExecEnv+"="+prog)
	// A frozen child's vfork'd child holds a copy of the watch's fanotify
	// descriptor and waits on it for good: kill the whole process group.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 10 * time.Second
	out, err := c.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the service's own execs of a listed program froze it (killed after 2 min):\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "answered all") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "answered all") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// ownExecs watches prog and starts it through spawn.Command, 100 times or
// for 10 s, with collections running meanwhile; each exec must be held
// and answered by the watch (the move counts it).
func ownExecs(t *testing.T, prog string) {
	var moved atomic.Int64
	w, err := newExecWatcher(slog.New(slog.NewTextHandler(io.Discard, nil)), watchConfig{
		programs: []string{prog},
		move:     func(*cgroup.Proc) error { moved.Add(1); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.cfg.ids) != 1 {
		t.Fatalf("%s not watched", prog)
	}
	stop := make(chan struct{})
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	n := 0
	for deadline := time.Now().Add(10 * time.Second); n < 100 && time.Now().Before(deadline); n++ {
		if err := spawn.Command(prog).Run(); err != nil {
			t.Fatalf("exec %d: %v", n, err)
		}
	}
	close(stop)
	<-gcDone
	if got := moved.Load(); got != int64(n) {
		t.Fatalf("the watch answered %d of %d execs", got, n)
	}
	t.Logf("answered all %d execs", n)
}

// TestOwnProgramNotWatched: the service's own program is never marked,
// listed or not, since palisaded starts its helpers by exec'ing it; the
// other programs listed beside it are.
func TestOwnProgramNotWatched(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: fanotify")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	other := copyProgram(t, "true")
	w, err := newExecWatcher(slog.New(slog.NewTextHandler(io.Discard, nil)), watchConfig{
		programs: []string{self, other},
		move:     func(*cgroup.Proc) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, p := range w.cfg.ids {
		if p == self {
			t.Fatalf("the service's own program %s is watched", self)
		}
	}
	if len(w.cfg.ids) != 1 {
		t.Fatalf("watched %v, want %s alone", w.cfg.ids, other)
	}
}
