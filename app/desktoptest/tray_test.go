package desktoptest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcher is a minimal org.kde.StatusNotifierWatcher: it only records the
// items that register.
type watcher struct {
	items chan [2]string // sender, object path or service
}

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.items <- [2]string{string(sender), service}
	return nil
}

func (w *watcher) RegisterStatusNotifierHost(dbus.Sender, string) *dbus.Error { return nil }

func TestTrayRegistersStatusNotifierItem(t *testing.T) {
	needDisplay(t)
	if busAddr == "" {
		t.Skip("dbus-daemon is not installed (package dbus)")
	}
	if !trayDone {
		t.Fatal("the app has no system tray although a session bus is up")
	}
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &watcher{items: make(chan [2]string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	// Taking the name makes the tray register again (it follows the
	// watcher's NameOwnerChanged), whenever it started.
	if reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("taking the watcher name: %v %v", reply, err)
	}
	var item [2]string
	select {
	case item = <-w.items:
	case <-time.After(20 * time.Second):
		t.Fatal("no StatusNotifierItem registered within 20 s")
	}
	t.Logf("registered: %q from %s", item[1], item[0])
	path := dbus.ObjectPath(item[1])
	if !path.IsValid() {
		path = "/StatusNotifierItem"
	}
	obj := conn.Object(item[0], path)
	title, err := obj.GetProperty("org.kde.StatusNotifierItem.Title")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := title.Value().(string); s == "" {
		t.Errorf("item title is empty")
	}
	labels := menuLabels(t, conn, item[0])
	for _, want := range []string{"Settings…", "Show window", "Quit"} {
		if !slices.Contains(labels, want) {
			t.Errorf("tray menu %q lacks %q", labels, want)
		}
	}
}

// menuLabels reads the tray's menu over com.canonical.dbusmenu.
func menuLabels(t *testing.T, conn *dbus.Conn, dest string) []string {
	t.Helper()
	var labels []string
	for range 50 {
		var revision uint32
		var layout struct {
			ID       int32
			Props    map[string]dbus.Variant
			Children []dbus.Variant
		}
		menu := conn.Object(dest, "/StatusNotifierMenu")
		err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout)
		if err != nil {
			t.Fatal(err)
		}
		labels = labels[:0]
		for _, c := range layout.Children {
			if l := childLabel(c); l != "" {
				labels = append(labels, strings.ReplaceAll(l, "_", ""))
			}
		}
		if slices.Contains(labels, "Quit") {
			return labels
		}
		time.Sleep(200 * time.Millisecond)
	}
	return labels
}

func childLabel(v dbus.Variant) string {
	fields, ok := v.Value().([]any)
	if !ok || len(fields) < 2 {
		return ""
	}
	props, ok := fields[1].(map[string]dbus.Variant)
	if !ok {
		return ""
	}
	s, _ := props["label"].Value().(string)
	return s
}
