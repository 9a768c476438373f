//go:build unix

package tray

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisadevpn/palisade/app/view"
)

// fakeWindow is a stand-in window program: a shell script that logs its
// arguments, every line the tray sends, and the end of its input.
const fakeWindow = `#!/bin/sh
log="$(dirname "$0")/window.log"
echo "args $*" >> "$log"
while IFS= read -r line; do echo "got $line" >> "$log"; done
echo ended >> "$log"
`

// windowRecord is what a window process did, as the tray learns it.
type windowRecord struct {
	mu    sync.Mutex
	exits int
	notes []view.Note
}

func (r *windowRecord) ended() int { r.mu.Lock(); defer r.mu.Unlock(); return r.exits }

func (r *windowRecord) notesSent() []view.Note {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes)
}

// newTestWindow runs the window program beside a tray in dir.
func newTestWindow(dir string) (*windowProc, *windowRecord) {
	r := &windowRecord{}
	w := newWindowProc(filepath.Join(dir, view.TrayProgram), "linux", "/run/test.sock", "/var/lib/test",
		func() { r.mu.Lock(); r.exits++; r.mu.Unlock() },
		func(n view.Note) { r.mu.Lock(); r.notes = append(r.notes, n); r.mu.Unlock() })
	return w, r
}

// The tray starts palisade-window from its own directory, passes it the
// show requests, and ends it by closing its input.
func TestWindowProgramBesideTray(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, view.WindowProgram), []byte(fakeWindow), 0o755); err != nil {
		t.Fatal(err)
	}
	w, r := newTestWindow(dir)
	log := filepath.Join(dir, "window.log")
	wantLog := func(want string) {
		t.Helper()
		waitFor(t, "window log "+strings.ReplaceAll(want, "\n", "|"), func() bool {
			b, _ := os.ReadFile(log)
			return string(b) == want
		})
	}

	w.show("Settings")
	wantLog("args --socket /run/test.sock --state-dir /var/lib/test --tab Settings\n")
	w.show("Logs") // the running window is raised, not a second one started
	wantLog("args --socket /run/test.sock --state-dir /var/lib/test --tab Settings\ngot show Logs\n")
	w.close()
	wantLog("args --socket /run/test.sock --state-dir /var/lib/test --tab Settings\ngot show Logs\nended\n")
	waitFor(t, "the tray to see the window end", func() bool { return r.ended() == 1 })
	if n := r.notesSent(); len(n) != 0 {
		t.Errorf("notes sent: %+v", n)
	}
}

// Without the window program beside it, the tray tells the user in a
// notification (it has no other place to) and logs the path it tried.
func TestWindowProgramMissing(t *testing.T) {
	dir := t.TempDir()
	program := filepath.Join(dir, view.WindowProgram)
	w, r := newTestWindow(dir)
	// Read only before a window process (whose end is logged too) starts.
	var logs bytes.Buffer
	w.log = slog.New(slog.NewTextHandler(&logs, nil))
	w.show("Status")

	if r.ended() != 0 {
		t.Error("a window that never started ended")
	}
	if n := r.notesSent(); len(n) != 1 || n[0].Title != "Palisade could not open its window" ||
		n[0].Body != program+" is missing. Reinstall Palisade." {
		t.Errorf("notes: %+v", n)
	}
	if l := logs.String(); !strings.Contains(l, "starting the window failed") || !strings.Contains(l, "program="+program) {
		t.Errorf("log:\n%s", l)
	}
	// The next click tries again (a reinstall in between is picked up).
	if err := os.WriteFile(program, []byte(fakeWindow), 0o755); err != nil {
		t.Fatal(err)
	}
	w.show("Profiles")
	waitFor(t, "the reinstalled window to start", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "window.log"))
		return string(b) == "args --socket /run/test.sock --state-dir /var/lib/test --tab Profiles\n"
	})
	w.close()
	waitFor(t, "the window to end", func() bool { return r.ended() == 1 })
	if n := r.notesSent(); len(n) != 1 {
		t.Errorf("notes after the reinstall: %+v", n)
	}
}
