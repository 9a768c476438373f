package view

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// event is what Follow reported: a status or a lost service.
type event struct {
	st   ipc.Status
	down error
}

func next(t *testing.T, ch <-chan event) event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no event from Follow within 20 s")
	}
	return event{}
}

func TestFollowReconnects(t *testing.T) {
	fake := fakeservice.Start(t, ipc.Status{State: ipc.Disconnected}, settings.Default(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan event, 16)
	done := make(chan struct{})
	go func() {
		Follow(ctx, ipc.NewClient(fake.Socket),
			func(st ipc.Status) { events <- event{st: st} },
			func(err error) { events <- event{down: err} })
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })

	if e := next(t, events); e.st.State != ipc.Disconnected {
		t.Fatalf("first event = %+v", e)
	}
	fake.Push(fakeservice.Connected())
	if e := next(t, events); e.st.State != ipc.Connected {
		t.Fatalf("pushed event = %+v", e)
	}
	fake.Stop()
	e := next(t, events)
	if !errors.Is(e.down, ipc.ErrUnreachable) {
		t.Fatalf("after stop got %+v, want the service reported unreachable", e)
	}
	// Wait until a reconnection attempt has failed, so the backoff path runs.
	if e = next(t, events); !errors.Is(e.down, ipc.ErrUnreachable) {
		t.Fatalf("reconnect attempt gave %+v, want unreachable", e)
	}
	fake.Restart(t)
	for range 5 {
		if e = next(t, events); e.down == nil {
			break
		}
	}
	if e.st.State != ipc.Connected {
		t.Fatalf("after restart got %+v, want the connected status again", e)
	}
}
