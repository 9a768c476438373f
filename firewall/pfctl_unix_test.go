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
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := b.Inspect(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Inspect of a stuck pfctl: %v, want the deadline", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Inspect waited for a stuck pfctl")
	}
	b2, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the stand-in never ran: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b2)))
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
