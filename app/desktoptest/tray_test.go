package desktoptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/internal/desktopbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// The tray process (palisade-gui, not a Fyne app) registers one
// StatusNotifierItem with the menu; "Open Palisade" starts the window
// program beside it (palisade-window), which registers no icon of its own; asking again raises that
// window instead of starting another; closing the window ends its process;
// a state change is notified over D-Bus.
func TestTrayProcess(t *testing.T) {
	needDisplay(t)
	if busAddr == "" {
		t.Skip("dbus-daemon is not installed (package dbus)")
	}
	w, notes := trayServers(t)
	// A display of its own: this package's in-process window is "Palisade"
	// too.
	display, xp, err := desktopbed.StartDisplay()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(xp.Stop)
	x, err := desktopbed.OpenDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)

	idle := ipc.Status{State: ipc.Disconnected, CanControl: true}
	fake := fakeservice.StartAt(t, filepath.Join(t.TempDir(), "s.sock"), idle, settings.Default(), nil)
	cmd, item := startTrayProcess(t, w, []string{"DISPLAY=" + display}, nil, "--socket", fake.Socket)
	bin := filepath.Dir(cmd.Path)
	obj := w.Conn().Object(item.Sender, "/StatusNotifierItem")
	if title, err := obj.GetProperty("org.kde.StatusNotifierItem.Title"); err != nil || title.Value() != "Palisade" {
		t.Errorf("item title %v (%v)", title, err)
	}
	labels := waitMenu(t, w, item, "Disconnected")
	for _, want := range []string{"Connect", "Settings…", "Open Palisade", "Quit"} {
		if !slices.Contains(labels, want) {
			t.Errorf("tray menu %q lacks %q", labels, want)
		}
	}
	if mapped, _ := x.Mapped("Palisade"); mapped {
		t.Fatal("a window shows although the tray started --hidden")
	}

	// Open: one window process, no second tray icon.
	if err := w.Click(item, "Open Palisade"); err != nil {
		t.Fatal(err)
	}
	waitWindow(t, x, true)
	kids := desktopbed.Children(cmd.Process.Pid)
	if len(kids) != 1 {
		t.Fatalf("window processes %v, want one", kids)
	}
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", kids[0])); err != nil || exe != filepath.Join(bin, "palisade-window") {
		t.Errorf("the window process runs %q (%v), want palisade-window beside the tray", exe, err)
	}
	if it, err := w.NextFrom(kids[0], 2*time.Second); err == nil {
		t.Errorf("the window process registered a tray icon too: %+v", it)
	}
	// Again: raised, not started anew.
	if err := w.Click(item, "Settings…"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if again := desktopbed.Children(cmd.Process.Pid); !slices.Equal(again, kids) {
		t.Errorf("a second request started another window: %v, then %v", kids, again)
	}
	// Closing the window ends its process.
	if err := x.CloseWindow("Palisade"); err != nil {
		t.Fatal(err)
	}
	waitWindow(t, x, false)
	for i := 0; len(desktopbed.Children(cmd.Process.Pid)) > 0; i++ {
		if i == 100 {
			t.Fatal("the window process outlived its window by 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A state change comes as a notification from the tray process.
	st := idle
	st.State, st.Profile, st.Addresses = ipc.Connected, "work", []string{"10.64.0.2/32", "fd64::2/128"}
	fake.Push(st)
	n, err := notes.WaitFor(1, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n.Title != "Connected to work" || !strings.Contains(n.Body, "IPv6 fd64::2/128") {
		t.Errorf("notification %+v", n)
	}
	waitMenu(t, w, item, "Connected · work")

	// Without palisade-window beside it (a broken install), "Open Palisade"
	// is a notification naming the missing program, and no window process.
	if err := os.Remove(filepath.Join(bin, "palisade-window")); err != nil {
		t.Fatal(err)
	}
	if err := w.Click(item, "Open Palisade"); err != nil {
		t.Fatal(err)
	}
	n, err = notes.WaitFor(2, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n.Title != "Palisade could not open its window" || !strings.Contains(n.Body, filepath.Join(bin, "palisade-window")+" is missing") {
		t.Errorf("notification %+v", n)
	}
	if kids := desktopbed.Children(cmd.Process.Pid); len(kids) != 0 {
		t.Errorf("window processes %v without a window program", kids)
	}
}

// waitMenu waits up to 20 s for the tray menu's first entry to start with
// state, and returns its labels.
func waitMenu(t *testing.T, w *desktopbed.Watcher, item desktopbed.Item, state string) []string {
	t.Helper()
	var labels []string
	for range 100 {
		entries, err := w.Menu(item)
		labels = labels[:0]
		for _, e := range entries {
			labels = append(labels, e.Label)
		}
		if err == nil && len(labels) > 0 && strings.HasPrefix(labels[0], state) && slices.Contains(labels, "Quit") {
			return labels
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("tray menu %q, want it to start with %q", labels, state)
	return nil
}

// waitWindow waits up to 30 s for the window titled Palisade to be mapped
// or not.
func waitWindow(t *testing.T, x *desktopbed.Display, want bool) {
	t.Helper()
	for range 300 {
		if mapped, err := x.Mapped("Palisade"); err == nil && mapped == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("window mapped=%v not reached within 30 s", want)
}

// trayServers starts a tray watcher and a notification server on the
// test's bus, before the tray starts, so that its registration is waited
// for, not raced.
func trayServers(t *testing.T) (*desktopbed.Watcher, *desktopbed.Notifications) {
	t.Helper()
	w, err := desktopbed.NewWatcher(busAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	notes, err := desktopbed.NewNotifications(busAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(notes.Close)
	return w, notes
}

// startTrayProcess builds palisade-gui and starts its tray process (with
// --hidden and args, on the test's bus, run through wrapper when given: a
// command line that ends by running the rest), and waits up to 60 s for its
// tray item. It is ended with SIGTERM when the test ends.
func startTrayProcess(t *testing.T, w *desktopbed.Watcher, env, wrapper []string, args ...string) (*exec.Cmd, desktopbed.Item) {
	t.Helper()
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/palisade-gui", "../../cmd/palisade-gui/palisade-window").CombinedOutput(); err != nil {
		t.Fatalf("build palisade-gui and palisade-window: %v\n%s", err, out)
	}
	line := append(append(slices.Clone(wrapper), filepath.Join(bin, "palisade-gui"), "--hidden"), args...)
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env = append(append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+busAddr, "HOME="+t.TempDir()), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Error("the tray did not end within 10 s of SIGTERM")
		}
	})
	item, err := w.NextFrom(cmd.Process.Pid, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, item
}
