package service

import (
	"os/exec"
	"testing"

	"github.com/palisadevpn/palisade/service/settings"
	"golang.org/x/sys/unix"
)

// startSleep starts a process of a program nobody lists, ended at cleanup.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	c := exec.Command("sleep", "30")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
	})
	return c
}

// execEvent is the event the kernel queues when pid execs program: the
// program's file open, as fanotify hands it over (answer closes it).
func execEvent(t *testing.T, program string, pid int) *unix.FanotifyEventMetadata {
	t.Helper()
	fd, err := unix.Open(program, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &unix.FanotifyEventMetadata{Mask: unix.FAN_OPEN_EXEC_PERM, Fd: int32(fd), Pid: int32(pid)}
}

// TestWatchRemovalWinsOverStartingExec: a program taken off the list while
// one of its processes is starting ends outside the group, whichever side
// of the change its exec is answered on: answered before, the process is
// released although /proc still shows the program it came from (its exec
// not done yet); answered after (its event queued before the change), it
// is not moved at all. Both for the list emptied (the watch stops) and for
// another program staying listed (the watch changes in place).
func TestWatchRemovalWinsOverStartingExec(t *testing.T) {
	g := bypassGroups(t)
	prog, keep := copyProgram(t, "sleep"), copyProgram(t, "sleep")
	for _, after := range []struct {
		name     string
		programs []string
	}{{"list emptied", nil}, {"another program kept", []string{keep}}} {
		// Answered before the change, exec still under way.
		if err := g.Watch(settings.SplitBypass, []string{prog, keep}); err != nil {
			t.Fatal(err)
		}
		c := startSleep(t)
		g.watch.answer(execEvent(t, prog, c.Process.Pid), 0, false)
		if !inGroup(t, g, c) {
			t.Fatalf("%s: the starting process was not moved", after.name)
		}
		if err := g.Watch(settings.SplitBypass, after.programs); err != nil {
			t.Fatal(err)
		}
		if inGroup(t, g, c) {
			t.Errorf("%s: a process starting the removed program stayed in the group", after.name)
		}
	}
	// Answered after the change.
	if err := g.Watch(settings.SplitBypass, []string{prog, keep}); err != nil {
		t.Fatal(err)
	}
	if err := g.Watch(settings.SplitBypass, []string{keep}); err != nil {
		t.Fatal(err)
	}
	c := startSleep(t)
	g.watch.answer(execEvent(t, prog, c.Process.Pid), 0, false)
	if inGroup(t, g, c) {
		t.Error("an exec of the removed program answered after the change was moved")
	}
	// The program kept is still moved.
	k := startSleep(t)
	g.watch.answer(execEvent(t, keep, k.Process.Pid), 0, false)
	if !inGroup(t, g, k) {
		t.Error("an exec of the program kept was not moved")
	}
}

// TestExecWatcherPinsTheProcess: the handle the kernel gave with the event
// decides, not the number: when the exec'ing process was reaped and its
// number now names another process, that process is not moved (the
// bypass exec is allowed; vpn-only refuses it). An event whose process
// was gone before the kernel could give a handle is not moved either.
func TestExecWatcherPinsTheProcess(t *testing.T) {
	g := bypassGroups(t)
	prog := copyProgram(t, "sleep")
	if err := g.Watch(settings.SplitBypass, []string{prog}); err != nil {
		t.Fatal(err)
	}
	gone := exec.Command("sleep", "30")
	if err := gone.Start(); err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(gone.Process.Pid, 0)
	if err != nil {
		t.Skipf("no pidfd here: %v", err)
	}
	gone.Process.Kill()
	gone.Wait() // reaped: its number is free
	// The number reused: another process holds the number the event names.
	other := startSleep(t)
	g.watch.answer(execEvent(t, prog, other.Process.Pid), int32(pidfd), true)
	if inGroup(t, g, other) {
		t.Error("the process now holding the exec'ing process's number was moved")
	}
	g.watch.answer(execEvent(t, prog, other.Process.Pid), fanNoPidfd, true)
	if inGroup(t, g, other) {
		t.Error("an event without a live process moved the number's holder")
	}
	// A live handle moves its process.
	live := startSleep(t)
	fd, err := unix.PidfdOpen(live.Process.Pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	g.watch.answer(execEvent(t, prog, live.Process.Pid), int32(fd), true)
	if !inGroup(t, g, live) {
		t.Error("the process of a live handle was not moved")
	}
}
