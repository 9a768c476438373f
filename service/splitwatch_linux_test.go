package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/settings"
)

// copyProgram copies a system program to a file of the test's own, so
// the watch marks nothing else's executable.
func copyProgram(t *testing.T, name string) string {
	t.Helper()
	src, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found", name)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(t.TempDir(), name)
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// bypassGroups are split groups below a parent of the test's own, the
// bypass group created; the watch is stopped and both removed at the end
// (after the test's own processes, which cleanups registered later end).
func bypassGroups(t *testing.T) *cgroupGroups {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups and fanotify")
	}
	m, err := cgroup.Find()
	if err != nil {
		t.Skipf("no cgroup2 here: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	parent := "palisade-watch-" + hex.EncodeToString(b)
	gs, err := newSplitGroups(slog.New(slog.NewTextHandler(io.Discard, nil)), parent)
	if err != nil {
		t.Fatal(err)
	}
	g := gs.(*cgroupGroups)
	if err := g.Ensure(settings.SplitBypass); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Watch(settings.SplitOff, nil)
		for _, rel := range []string{g.Group(settings.SplitBypass), parent} {
			os.Remove(m.Path(rel))
		}
	})
	return g
}

// inGroup reports whether c's process is in g's bypass group.
func inGroup(t *testing.T, g *cgroupGroups, c *exec.Cmd) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.Process.Pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	p, err := cgroup.ParseProcCgroup(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return p == "/"+g.Group(settings.SplitBypass)
}

// waitExec waits, bounded, until c's process runs bin: the shell of
// shellExec has exec'd it, so the watch has answered that exec.
func waitExec(t *testing.T, c *exec.Cmd, bin string) {
	t.Helper()
	for range 100 {
		if exe, _ := os.Readlink("/proc/" + strconv.Itoa(c.Process.Pid) + "/exe"); exe == bin {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("process %d did not exec %s within 10 s", c.Process.Pid, bin)
}

// TestExecWatcherMovesNewAndRunning: a running copy of sleep is moved when
// the list is set, a new one is in the group from its exec on, a program
// not listed stays out, and after the list is emptied new processes stay
// out too.
func TestExecWatcherMovesNewAndRunning(t *testing.T) {
	g := bypassGroups(t)
	var procs []*exec.Cmd
	t.Cleanup(func() {
		for _, c := range procs {
			c.Process.Kill()
			c.Wait()
		}
	})
	start := func(bin string) *exec.Cmd {
		c := shellExec(context.Background(), t, bin, "30")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, c)
		waitExec(t, c, bin)
		return c
	}
	in := func(c *exec.Cmd) bool { return inGroup(t, g, c) }
	sleep, other := copyProgram(t, "sleep"), copyProgram(t, "sleep")
	running := start(sleep)
	if err := g.Watch(settings.SplitBypass, []string{sleep}); err != nil {
		t.Fatal(err)
	}
	if !in(running) {
		t.Error("a running process of the listed program was not moved")
	}
	fresh := start(sleep)
	if !in(fresh) {
		t.Error("a new process of the listed program started outside the group")
	}
	if in(start(other)) {
		t.Error("a program not listed was moved")
	}
	if err := g.Watch(settings.SplitBypass, nil); err != nil {
		t.Fatal(err)
	}
	if in(start(sleep)) {
		t.Error("a process started after the program left the list was moved")
	}
}

// BenchmarkProcessScan is the cost of the scan made on each change of the
// list or mode (docs/split-tunnel.md); the watch itself costs nothing
// between execs of a listed program.
func BenchmarkProcessScan(b *testing.B) {
	programs := []string{"/usr/bin/firefox", "/opt/game/game"}
	n := 0
	for b.Loop() {
		procs := runningProcesses()
		n = len(procs)
		programMatches(procs, programs)
	}
	b.ReportMetric(float64(n), "processes")
}

// TestExecWatcherFollowsReplacedProgram: an update replaces the listed
// file (a new inode, renamed over the old path); once the marks are renewed
// its new processes are moved again.
func TestExecWatcherFollowsReplacedProgram(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: fanotify")
	}
	sleep := copyProgram(t, "sleep")
	var mu sync.Mutex
	var pids []int
	w, err := newExecWatcher(slog.New(slog.NewTextHandler(io.Discard, nil)), watchConfig{programs: []string{sleep}, move: func(p *cgroup.Proc) error {
		mu.Lock()
		defer mu.Unlock()
		pids = append(pids, p.PID)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	moved := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(pids)
	}
	run := func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := shellExec(ctx, t, sleep, "0")
		if err := c.Run(); err != nil {
			t.Fatalf("%s: %v (held by the watch: %v)", sleep, err, ctx.Err())
		}
		return c.Process.Pid // the shell's, which exec'd sleep
	}
	if pid := run(); !slices.Equal(moved(), []int{pid}) {
		t.Fatalf("moved %v, want the first run", moved())
	}
	update := copyProgram(t, "sleep")
	if err := os.Rename(update, sleep); err != nil {
		t.Fatal(err)
	}
	run()
	if len(moved()) != 1 {
		t.Fatalf("the replaced file was still marked: moved %v", moved())
	}
	w.remark()
	if pid := run(); len(moved()) != 2 || moved()[1] != pid {
		t.Errorf("after the marks were renewed: moved %v", moved())
	}
}
