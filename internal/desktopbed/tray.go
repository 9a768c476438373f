package desktopbed

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// Item is a StatusNotifierItem that registered with the Watcher.
type Item struct {
	// Sender is the item's unique bus name; Service is what it registered
	// (an object path or a bus name).
	Sender, Service string
}

// Watcher is a minimal org.kde.StatusNotifierWatcher: it only records the
// items that register. It stands in for the desktop's tray host.
type Watcher struct {
	conn  *dbus.Conn
	items chan Item
}

// watcherObject is what the Watcher exports on the bus.
type watcherObject struct{ items chan Item }

func (w watcherObject) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	select {
	case w.items <- Item{Sender: string(sender), Service: service}:
	default: // nobody is reading; the registration still succeeds
	}
	return nil
}

func (w watcherObject) RegisterStatusNotifierHost(dbus.Sender, string) *dbus.Error { return nil }

// NewWatcher connects to the bus at addr and takes the watcher's name. A tray
// follows the name's owner, so it registers again whenever it started.
func NewWatcher(addr string) (*Watcher, error) {
	items := make(chan Item, 8)
	conn, err := serve(addr, watcherObject{items}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher")
	if err != nil {
		return nil, err
	}
	return &Watcher{conn: conn, items: items}, nil
}

// serve connects to the bus at addr, exports obj at path under the
// interface name, and takes that name on the bus.
func serve(addr string, obj any, path dbus.ObjectPath, name string) (*dbus.Conn, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, err
	}
	if err := conn.Export(obj, path, name); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = fmt.Errorf("reply %v", reply)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("taking the name %s: %w", name, err)
	}
	return conn, nil
}

// Conn is the watcher's bus connection.
func (w *Watcher) Conn() *dbus.Conn { return w.conn }

// Close leaves the bus.
func (w *Watcher) Close() { w.conn.Close() }

// Next waits up to timeout for an item to register.
func (w *Watcher) Next(timeout time.Duration) (Item, error) {
	select {
	case it := <-w.items:
		return it, nil
	case <-time.After(timeout):
		return Item{}, fmt.Errorf("no StatusNotifierItem registered within %v", timeout)
	}
}

// NextFrom waits up to timeout for the process pid to register an item,
// passing over items that others registered (or that registered twice).
func (w *Watcher) NextFrom(pid int, timeout time.Duration) (Item, error) {
	deadline := time.Now().Add(timeout)
	for {
		it, err := w.Next(time.Until(deadline))
		if err != nil {
			return Item{}, fmt.Errorf("process %d: %w", pid, err)
		}
		var got uint32
		err = w.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, it.Sender).Store(&got)
		if err == nil && int(got) == pid {
			return it, nil
		}
	}
}

// MenuEntry is one top-level entry of a tray menu.
type MenuEntry struct {
	ID    int32
	Label string // without mnemonic underscores
}

// menuPath is where Fyne's tray (fyne.io/systray) serves its dbusmenu.
const menuPath = "/StatusNotifierMenu"

// Menu reads the item's top-level menu entries.
func (w *Watcher) Menu(it Item) ([]MenuEntry, error) {
	var revision uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	err := w.conn.Object(it.Sender, menuPath).Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&revision, &layout)
	if err != nil {
		return nil, err
	}
	var entries []MenuEntry
	for _, c := range layout.Children {
		fields, ok := c.Value().([]any)
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		label, _ := props["label"].Value().(string)
		if label != "" {
			entries = append(entries, MenuEntry{ID: id, Label: strings.ReplaceAll(label, "_", "")})
		}
	}
	return entries, nil
}

// Click clicks the top-level menu entry with this label, as a tray host does
// when the user picks it.
func (w *Watcher) Click(it Item, label string) error {
	entries, err := w.Menu(it)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Label == label {
			return w.conn.Object(it.Sender, menuPath).Call("com.canonical.dbusmenu.Event", 0,
				e.ID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
		}
	}
	return errors.New("the tray menu has no entry " + label)
}
