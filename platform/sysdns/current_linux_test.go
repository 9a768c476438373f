package sysdns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/palisadevpn/palisade/internal/desktopbed"
)

// hungResolved answers no GetLink call until released: a systemd-resolved
// that hangs.
type hungResolved struct{ release chan struct{} }

func (h hungResolved) GetLink(int32) (dbus.ObjectPath, *dbus.Error) {
	<-h.release
	return "/", nil
}

// The self-check's read of resolved's link ends with its context, not at
// D-Bus' own 25 s reply timeout: a resolved that takes the call and never
// answers (on a private bus standing in for the system bus) gives the
// context's error.
func TestResolvedLinkEndsWithContext(t *testing.T) {
	addr := desktopbed.TestBus(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	srv, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := hungResolved{release: make(chan struct{})}
	defer close(h.release)
	if err := srv.Export(h, resolvedPath, resolvedMgr); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.RequestName(resolvedBus, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", resolvedBus, reply, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := resolvedLink(ctx, "lo")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("resolvedLink with a hung resolved: %v, want the context's deadline", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("resolvedLink did not return")
	}
}
