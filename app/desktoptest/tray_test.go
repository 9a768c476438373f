package desktoptest

import (
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/palisadevpn/palisade/internal/desktopbed"
)

func TestTrayRegistersStatusNotifierItem(t *testing.T) {
	needDisplay(t)
	if busAddr == "" {
		t.Skip("dbus-daemon is not installed (package dbus)")
	}
	if !trayDone {
		t.Fatal("the app has no system tray although a session bus is up")
	}
	// Taking the watcher's name makes the tray register again (it follows
	// the watcher's NameOwnerChanged), whenever it started.
	w, err := desktopbed.NewWatcher(busAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	item, err := w.Next(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("registered: %q from %s", item.Service, item.Sender)
	path := dbus.ObjectPath(item.Service)
	if !path.IsValid() {
		path = "/StatusNotifierItem"
	}
	obj := w.Conn().Object(item.Sender, path)
	title, err := obj.GetProperty("org.kde.StatusNotifierItem.Title")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := title.Value().(string); s == "" {
		t.Errorf("item title is empty")
	}
	labels := menuLabels(t, w, item)
	for _, want := range []string{"Settings…", "Show window", "Quit"} {
		if !slices.Contains(labels, want) {
			t.Errorf("tray menu %q lacks %q", labels, want)
		}
	}
}

// menuLabels reads the tray's menu over com.canonical.dbusmenu, waiting up to
// 10 s for it to be complete.
func menuLabels(t *testing.T, w *desktopbed.Watcher, item desktopbed.Item) []string {
	t.Helper()
	var labels []string
	for range 50 {
		entries, err := w.Menu(item)
		if err != nil {
			t.Fatal(err)
		}
		labels = labels[:0]
		for _, e := range entries {
			labels = append(labels, e.Label)
		}
		if slices.Contains(labels, "Quit") {
			return labels
		}
		time.Sleep(200 * time.Millisecond)
	}
	return labels
}
