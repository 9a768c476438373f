package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/settings"
)

// missingGroups are split groups below a parent that does not exist, so
// every move into them fails, as it does when a group cannot be written.
func missingGroups(t *testing.T) *cgroupGroups {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: fanotify")
	}
	if _, err := cgroup.Find(); err != nil {
		t.Skipf("no cgroup2 here: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	gs, err := newSplitGroups(slog.New(slog.NewTextHandler(io.Discard, nil)), "palisade-missing-"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	g := gs.(*cgroupGroups)
	t.Cleanup(func() { g.Watch(settings.SplitOff, nil) })
	return g
}

// shellExec is bin with args run through a shell's exec. The test binary
// never execs a watched program itself: exec.Cmd.Start vforks, and the
// forking thread stays in the kernel until the child's exec is answered by
// the watch, a goroutine of this same process. A garbage collection that
// starts meanwhile waits for that thread, so the watch never runs again
// (seen: TestExecWatcherFollowsReplacedProgram hung the package under
// -race -count=10). The shell's own exec is not watched.
func shellExec(ctx context.Context, t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	return exec.CommandContext(ctx, sh, append([]string{"-c", `exec "$0" "$@"`, bin}, args...)...)
}

// runBounded runs bin with args through a shell's exec, killed after a
// few seconds: an exec the watch never answers must fail the test, not
// hang it.
func runBounded(t *testing.T, bin string, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := shellExec(ctx, t, bin, args...).Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v was held by the watch until killed", bin, args)
	}
	return err
}

// TestExecWatcherUnmovedProcess: a listed program that cannot be moved
// into its group still runs in bypass mode (it keeps to the tunnel), but
// is refused in vpn-only mode, where outside the group it would go out
// directly, past the kill switch.
func TestExecWatcherUnmovedProcess(t *testing.T) {
	g := missingGroups(t)
	sleep := copyProgram(t, "sleep")
	if err := g.Watch(settings.SplitBypass, []string{sleep}); err != nil {
		t.Fatal(err)
	}
	if err := runBounded(t, sleep, "0"); err != nil {
		t.Errorf("bypass: a program that could not be moved was not run: %v", err)
	}
	if err := g.Watch(settings.SplitVPNOnly, []string{sleep}); err != nil {
		t.Fatal(err)
	}
	if err := runBounded(t, sleep, "0"); err == nil {
		t.Error("vpn-only: a program that could not be moved into the group ran outside it")
	}
	if err := g.Watch(settings.SplitVPNOnly, nil); err != nil {
		t.Fatal(err)
	}
	if err := runBounded(t, sleep, "0"); err != nil {
		t.Errorf("after the list was emptied the program was still refused: %v", err)
	}
}

// TestExecWatcherAnswersAfterLostEvent: when the service has no descriptor
// left for an exec event (EMFILE), the kernel refuses that exec; the next
// execs of the program must still be answered, not held until the service
// exits.
func TestExecWatcherAnswersAfterLostEvent(t *testing.T) {
	g := missingGroups(t)
	sleep := copyProgram(t, "sleep")
	if err := g.Watch(settings.SplitBypass, []string{sleep}); err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// The shell starts with the normal limit and execs the program once
	// this process can open no descriptor more.
	c := exec.Command(sh, "-c", `sleep 0.5; exec "$0" 0`, sleep)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	lowest := f.Fd()
	f.Close()
	low := orig
	low.Cur = uint64(lowest)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	werr := c.Wait()
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	if werr == nil {
		t.Fatal("the exec whose event could not be read ran: the test did not exhaust the descriptors")
	}
	if err := runBounded(t, sleep, "0"); err != nil {
		t.Errorf("the next exec failed: %v", err)
	}
}

// TestWatchReleasesRemovedPrograms: a running process of a program taken
// off the list, or of the list of a mode turned off, leaves the group at
// once (it bypassed the tunnel until it exited).
func TestWatchReleasesRemovedPrograms(t *testing.T) {
	g := bypassGroups(t)
	sleep := copyProgram(t, "sleep")
	c := exec.Command(sleep, "30")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
	})
	time.Sleep(100 * time.Millisecond) // let it exec
	in := func() bool { return inGroup(t, g, c) }
	for _, off := range []struct {
		name     string
		mode     settings.SplitMode
		programs []string
	}{{"removed from the list", settings.SplitBypass, nil}, {"mode turned off", settings.SplitOff, []string{sleep}}} {
		if err := g.Watch(settings.SplitBypass, []string{sleep}); err != nil {
			t.Fatal(err)
		}
		if !in() {
			t.Fatal("the running listed program was not moved")
		}
		if err := g.Watch(off.mode, off.programs); err != nil {
			t.Fatal(err)
		}
		if in() {
			t.Errorf("%s: the running program stayed in the group", off.name)
		}
	}
}
