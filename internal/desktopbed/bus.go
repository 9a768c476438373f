package desktopbed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Proc is a helper process this package started.
type Proc struct {
	cmd *exec.Cmd
}

// Stop kills the process and waits for it.
func (p *Proc) Stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// TestBus starts a private bus for t, stopped when t ends, and returns its
// address; t is skipped (with the package to install) when dbus-daemon is
// missing.
func TestBus(t testing.TB) string {
	t.Helper()
	addr, p, err := StartBus()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("dbus-daemon is not installed (package dbus)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return addr
}

// StartBus starts a private D-Bus session bus and returns its address. It
// fails with exec.ErrNotFound inside the error when dbus-daemon is missing.
func StartBus() (addr string, p *Proc, err error) {
	path, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return "", nil, err
	}
	line, p, err := startReading(path, "--session", "--nofork", "--print-address=1")
	if err != nil {
		return "", nil, fmt.Errorf("dbus-daemon: %w", err)
	}
	return line, p, nil
}

// StartDisplay starts Xvfb on a free display (1280x1024, 24 bits) that
// accepts local clients without authorization, and returns its name (":N").
func StartDisplay() (display string, p *Proc, err error) {
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		return "", nil, err
	}
	n, p, err := startReading(path, "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	if err != nil {
		return "", nil, fmt.Errorf("Xvfb: %w", err)
	}
	return ":" + n, p, nil
}

// startReading starts a program and returns the first line it prints,
// waiting at most 10 s for it.
func startReading(path string, args ...string) (string, *Proc, error) {
	cmd := exec.Command(path, args...)
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		return "", nil, err
	}
	p := &Proc{cmd: cmd}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case line := <-lines:
		if line != "" {
			return line, p, nil
		}
	case <-ctx.Done():
	}
	p.Stop()
	return "", nil, errors.New("printed nothing within 10 s")
}

// Children lists the live child processes of pid, from /proc.
func Children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // ended meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
		_, rest, ok := strings.Cut(string(b), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 2 || fields[0] == "Z" || fields[1] != strconv.Itoa(pid) {
			continue
		}
		if kid, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
			out = append(out, kid)
		}
	}
	slices.Sort(out)
	return out
}
