package desktopbed

import (
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// Notification is one org.freedesktop.Notifications.Notify call.
type Notification struct {
	App, Title, Body string
	// Replaces is the id the sender asked to replace (0: none); ID is the
	// one the server gave this notification.
	Replaces, ID uint32
	// Sender is the unique bus name of the process that sent it.
	Sender string
}

// Notifications is a minimal freedesktop.org notification server: it
// records what it is asked to show. It stands in for the desktop's.
type Notifications struct {
	conn *dbus.Conn
	mu   sync.Mutex
	got  []Notification
	next uint32
}

// notifyObject is what Notifications exports on the bus.
type notifyObject struct{ n *Notifications }

func (o notifyObject) Notify(sender dbus.Sender, app string, replaces uint32, _ string, title, body string,
	_ []string, _ map[string]dbus.Variant, _ int32) (uint32, *dbus.Error) {
	o.n.mu.Lock()
	defer o.n.mu.Unlock()
	id := replaces
	if id == 0 {
		o.n.next++
		id = o.n.next
	}
	o.n.got = append(o.n.got, Notification{App: app, Title: title, Body: body, Replaces: replaces, ID: id, Sender: string(sender)})
	return id, nil
}

func (o notifyObject) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

func (o notifyObject) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "desktopbed", "palisade", "1", "1.2", nil
}

// NewNotifications connects to the bus at addr and takes the notification
// service's name.
func NewNotifications(addr string) (*Notifications, error) {
	n := &Notifications{}
	conn, err := serve(addr, notifyObject{n}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications")
	if err != nil {
		return nil, err
	}
	n.conn = conn
	return n, nil
}

// Close leaves the bus.
func (n *Notifications) Close() { n.conn.Close() }

// All returns the notifications received so far, oldest first.
func (n *Notifications) All() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notification(nil), n.got...)
}

// WaitFor waits up to timeout for the count-th notification (1-based) and
// returns it.
func (n *Notifications) WaitFor(count int, timeout time.Duration) (Notification, error) {
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if all := n.All(); len(all) >= count {
			return all[count-1], nil
		}
		if time.Now().After(deadline) {
			return Notification{}, fmt.Errorf("%d notifications within %v, want %d", len(n.All()), timeout, count)
		}
	}
}
