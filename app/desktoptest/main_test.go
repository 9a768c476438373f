package desktoptest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/palisadevpn/palisade/app"
	"github.com/palisadevpn/palisade/internal/desktopbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// Set up by TestMain when a display is there.
var (
	gui     *app.GUI
	socket  string
	busAddr string
	skipWhy string
)

// TestMain runs the Fyne app (the window process's GUI) on the main
// thread, as the driver needs, and the tests on another goroutine, on a
// private session bus that the tray process test uses too.
func TestMain(m *testing.M) {
	skipWhy = displayMissing()
	if skipWhy != "" {
		os.Exit(m.Run())
	}
	os.Setenv("FYNE_SCALE", "1")
	dir, err := os.MkdirTemp("", "palisade-gui-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	socket = filepath.Join(dir, "palisaded.sock")
	bus, stopBus := startBus()
	busAddr = bus

	a := fyneapp.NewWithID(app.AppID)
	a.SetIcon(app.AppIcon)
	gui = app.New(a, ipc.NewClient(socket))
	code := 1
	go func() {
		defer fyne.Do(a.Quit)
		code = m.Run()
	}()
	a.Run()
	stopBus()
	os.RemoveAll(dir)
	os.Exit(code)
}

func displayMissing() string {
	if os.Getenv("DISPLAY") == "" {
		return "no $DISPLAY; run under xvfb-run -a"
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return "Xvfb is not installed"
	}
	return ""
}

func needDisplay(t *testing.T) {
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
}

// startBus starts a private D-Bus session bus and points this process at it,
// so the tray never touches the desktop's own bus. It returns "" when
// dbus-daemon is missing.
func startBus() (string, func()) {
	addr, p, err := desktopbed.StartBus()
	if err != nil {
		if !errors.Is(err, exec.ErrNotFound) {
			fmt.Fprintln(os.Stderr, err)
		}
		return "", func() {}
	}
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr, p.Stop
}

// onMain runs f on the UI thread and waits for it.
func onMain(f func()) { fyne.DoAndWait(f) }

// eventually polls cond on the UI thread, for at most 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 200 {
		var ok bool
		onMain(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
