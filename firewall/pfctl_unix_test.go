//go:build unix

package firewall

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// endCtx is a context that ends as by its deadline when end is called:
// the test ends it once the stand-in runs, however long a loaded machine
// takes to start it (a 300 ms timeout could end before the shell ran).
type endCtx struct {
	context.Context
	done chan struct{}
}

func (c *endCtx) Done() <-chan struct{} { return c.done }

func (c *endCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *endCtx) end() { close(c.done) }

// TestPfctlEndsWithContext: a pfctl that never answers (a stand-in on
// PATH that records its pid and sleeps, a child holding its output open)
// is killed when the read-back's context ends; Inspect returns the
// deadline, not pfctl's answer, and the process is gone (bounded wait).
func TestPfctlEndsWithContext(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	script := "#!/bin/sh\necho $$ > " + pidFile + "\nsleep 60\n"
	if err := os.WriteFile(filepath.Join(dir, "pfctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	b := &pfBackend{log: slog.New(slog.NewTextHandler(io.Discard, nil)), pfctl: pfctl}
	ctx := &endCtx{Context: context.Background(), done: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := b.Inspect(ctx)
		done <- err
	}()
	var pidText []byte
	for range 400 {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			pidText = b
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx.end()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Inspect of a stuck pfctl: %v, want the deadline", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Inspect waited for a stuck pfctl")
	}
	if pidText == nil {
		t.Fatal("the stand-in did not run within 20 s")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("pfctl (pid %d) still running after its context ended", pid)
}
