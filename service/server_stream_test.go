package service

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// A stream asked for changes only skips the pushes that move just the
// traffic counters and the handshake time, and still gets every other
// change; the plain stream gets them all.
func TestStreamChangesOnly(t *testing.T) {
	m, _ := testManager(t, true)
	s := NewServer(m, slog.New(slog.DiscardHandler))
	client := ipc.NewClient(serveSocket(t, s))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	type watched struct {
		got   chan ipc.Status
		watch func(context.Context, func(ipc.Status)) error
	}
	all := watched{make(chan ipc.Status, 64), client.Watch}
	changes := watched{make(chan ipc.Status, 64), client.WatchChanges}
	for _, w := range []watched{all, changes} {
		go w.watch(ctx, func(st ipc.Status) { w.got <- st })
		<-w.got // the current status, pushed at once
	}
	push := func(change func(*ipc.Status)) {
		m.mu.Lock()
		change(&m.status)
		m.publishLocked()
		m.mu.Unlock()
	}
	next := func(w watched) (ipc.Status, bool) {
		select {
		case st := <-w.got:
			return st, true
		case <-time.After(2 * time.Second):
			return ipc.Status{}, false
		}
	}
	// Counters move: the plain stream pushes, the changes-only one does not
	// (checked below: its next push is the error, not this).
	push(func(st *ipc.Status) { st.RxBytes, st.TxBytes = 1000, 2000 })
	if st, ok := next(all); !ok || st.RxBytes != 1000 {
		t.Fatalf("plain stream: got %+v, %v; want the counters pushed", st, ok)
	}
	push(func(st *ipc.Status) { st.LastError = "no handshake" })
	if st, ok := next(all); !ok || st.LastError != "no handshake" {
		t.Fatalf("plain stream: got %+v, %v; want the error pushed", st, ok)
	}
	st, ok := next(changes)
	if !ok || st.LastError != "no handshake" {
		t.Fatalf("changes-only stream: got %+v, %v; want the error as its next push", st, ok)
	}
	if st.RxBytes != 1000 {
		t.Errorf("changes-only push carries rx %d, want the current 1000", st.RxBytes)
	}
	select {
	case extra := <-changes.got:
		t.Errorf("changes-only stream pushed more than the change: %+v", extra)
	case <-time.After(200 * time.Millisecond):
	}
}
