package desktopnote

import (
	"os"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/desktopbed"
)

// A notification reaches the desktop's notification service on the session
// bus, flattened to one line; the next one replaces it.
func TestSendOverDBus(t *testing.T) {
	addr := desktopbed.TestBus(t)
	// A new bus is a new desktop session: an id a run before this one
	// (go test -count) kept belongs to its bus, not this one.
	last.Lock()
	last.id = 0
	last.Unlock()
	srv, err := desktopbed.NewNotifications(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// dbus.SessionBus reads the address once, at its first use, here.
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	if err := Send("Connected to work", "IPv4 10.64.0.2/32\nIPv6 fd64::2/128"); err != nil {
		t.Fatal(err)
	}
	if err := Send("Disconnected", "Traffic no longer goes through the VPN."); err != nil {
		t.Fatal(err)
	}
	first, err := srv.WaitFor(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if first.App != AppName || first.Title != "Connected to work" || first.Body != "IPv4 10.64.0.2/32 IPv6 fd64::2/128" || first.Replaces != 0 {
		t.Errorf("first: %+v", first)
	}
	second, err := srv.WaitFor(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if second.Title != "Disconnected" || second.Replaces != first.ID {
		t.Errorf("second %+v does not replace the first (id %d)", second, first.ID)
	}
}
