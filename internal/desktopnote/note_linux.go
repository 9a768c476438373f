package desktopnote

import (
	"sync"

	"github.com/godbus/dbus/v5"
)

// The desktop entry the packages install and its icon's name: notification
// services show the app's name and icon from them.
const (
	desktopEntry = "com.palisadevpn.palisade"
	icon         = "palisade"
)

// last is the id of the notification shown last, which the next one
// replaces: a "Disconnected" takes the place of the "Connected" before it
// instead of piling up under it.
var last struct {
	sync.Mutex
	id uint32
}

func send(title, body string) error {
	conn, err := dbus.SessionBus() // shared with the tray; never closed
	if err != nil {
		return err
	}
	last.Lock()
	defer last.Unlock()
	hints := map[string]dbus.Variant{"desktop-entry": dbus.MakeVariant(desktopEntry)}
	return conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").
		Call("org.freedesktop.Notifications.Notify", 0,
			AppName, last.id, icon, title, body, []string{}, hints, int32(-1)).Store(&last.id)
}
