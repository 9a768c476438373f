package service

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// streamServer serves a test manager on a socket, with a client and a
// context that ends within 20 s.
func streamServer(t *testing.T) (*Manager, *ipc.Client, context.Context) {
	m, _ := testManager(t, true)
	s := NewServer(m, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return m, ipc.NewClient(serveSocket(t, s)), ctx
}

// A stream asked for changes only skips the pushes that move just the
// traffic counters and the handshake time, and still gets every other
// change; the plain stream gets them all.
func TestStreamChangesOnly(t *testing.T) {
	m, client, ctx := streamServer(t)

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

// A stream asked for rates gets the counters while IdleRate or more moves
// and once more after (the drop to idle), but not while the tunnel idles.
func TestStreamChangesRates(t *testing.T) {
	m, client, ctx := streamServer(t)
	got := make(chan ipc.Status, 64)
	go client.WatchRates(ctx, func(st ipc.Status) { got <- st })
	select {
	case <-got: // the current status, pushed at once
	case <-ctx.Done():
		t.Fatal("no first status")
	}
	// push publishes a change and waits until the stream took it: the
	// manager keeps only the latest status per subscriber, so publishing
	// the next before then could replace this one unseen.
	push := func(change func(*ipc.Status)) {
		m.mu.Lock()
		change(&m.status)
		m.publishLocked()
		m.mu.Unlock()
		deadline := time.Now().Add(5 * time.Second)
		for {
			m.mu.Lock()
			waiting := 0
			for ch := range m.subs {
				waiting += len(ch)
			}
			m.mu.Unlock()
			if waiting == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the stream did not take the status within 5 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	push(func(st *ipc.Status) { st.RxBytes += 32; st.TxBytes += 32 }) // keepalives: idle
	push(func(st *ipc.Status) {})                                     // nothing moved
	push(func(st *ipc.Status) { st.RxBytes += 2_000_000 })            // a download
	push(func(st *ipc.Status) {})                                     // it stopped
	push(func(st *ipc.Status) {})                                     // idle
	push(func(st *ipc.Status) { st.LastError = "no handshake" })
	rx0 := m.Status().RxBytes - 2_000_064
	want := []string{"rx +2000064", "rx +2000064", "error no handshake"}
	for i, w := range want {
		select {
		case st := <-got:
			desc := fmt.Sprintf("rx +%d", st.RxBytes-rx0)
			if st.LastError != "" {
				desc = "error " + st.LastError
			}
			if desc != w {
				t.Fatalf("push %d: %s, want %s", i+1, desc, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("push %d (%s) did not come within 5 s", i+1, w)
		}
	}
	select {
	case extra := <-got:
		t.Errorf("the rates stream pushed more: %+v", extra)
	case <-time.After(200 * time.Millisecond):
	}
}
