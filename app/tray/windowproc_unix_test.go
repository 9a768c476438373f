//go:build unix

package tray

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
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

// The tray starts palisade-window from its own directory, passes it the
// show requests, and ends it by closing its input.
func TestWindowProgramBesideTray(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, view.WindowProgram), []byte(fakeWindow), 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	exits := 0
	var notes []view.Note
	w := newWindowProc(filepath.Join(dir, view.TrayProgram), "linux", "/run/test.sock",
		func() { mu.Lock(); exits++; mu.Unlock() },
		func(n view.Note) { mu.Lock(); notes = append(notes, n); mu.Unlock() })
	log := filepath.Join(dir, "window.log")
	wantLog := func(want string) {
		t.Helper()
		waitFor(t, "window log "+strings.ReplaceAll(want, "\n", "|"), func() bool {
			b, _ := os.ReadFile(log)
			return string(b) == want
		})
	}

	w.show("Settings")
	wantLog("args --socket /run/test.sock --tab Settings\n")
	w.show("Logs") // the running window is raised, not a second one started
	wantLog("args --socket /run/test.sock --tab Settings\ngot show Logs\n")
	w.close()
	wantLog("args --socket /run/test.sock --tab Settings\ngot show Logs\nended\n")
	waitFor(t, "the tray to see the window end", func() bool { mu.Lock(); defer mu.Unlock(); return exits == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 0 {
		t.Errorf("notes sent: %+v", notes)
	}
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Without the window program beside it, the tray tells the user in a
// notification (it has no other place to) and logs the path it tried.
func TestWindowProgramMissing(t *testing.T) {
	var logs lockedBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	dir := t.TempDir()
	program := filepath.Join(dir, view.WindowProgram)
	var mu sync.Mutex
	exits := 0
	var notes []view.Note
	w := newWindowProc(filepath.Join(dir, view.TrayProgram), "linux", "/run/test.sock",
		func() { mu.Lock(); exits++; mu.Unlock() },
		func(n view.Note) { mu.Lock(); notes = append(notes, n); mu.Unlock() })
	w.show("Status")

	mu.Lock()
	if exits != 0 {
		t.Error("a window that never started ended")
	}
	if len(notes) != 1 || notes[0].Title != "Palisade could not open its window" ||
		notes[0].Body != program+" is missing. Reinstall Palisade." {
		t.Errorf("notes: %+v", notes)
	}
	mu.Unlock()
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
		return string(b) == "args --socket /run/test.sock --tab Profiles\n"
	})
	w.close()
	waitFor(t, "the window to end", func() bool { mu.Lock(); defer mu.Unlock(); return exits == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(notes) != 1 {
		t.Errorf("notes after the reinstall: %+v", notes)
	}
}
