package app

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
)

func TestStatusQueueCoalesces(t *testing.T) {
	var q statusQueue
	at := fakeservice.T0
	push := func(st ipc.Status) bool { at = at.Add(time.Second); return q.push(st, at) }
	conn := func(rx uint64) ipc.Status { return ipc.Status{State: ipc.Connected, Profile: "work", RxBytes: rx} }

	if !push(conn(1)) {
		t.Fatal("the first push into an empty queue must schedule a take")
	}
	for rx := uint64(2); rx <= 5; rx++ {
		if push(conn(rx)) {
			t.Fatal("a push into a waiting queue scheduled another take")
		}
	}
	got := q.take()
	if len(got) != 1 || got[0].st.RxBytes != 5 || !got[0].at.Equal(fakeservice.T0.Add(5*time.Second)) {
		t.Fatalf("counter pushes not coalesced into the newest: %+v", got)
	}
	if len(q.take()) != 0 {
		t.Fatal("take left statuses behind")
	}

	// State changes are all kept, in order; counters within a state coalesce.
	push(conn(6))
	push(ipc.Status{State: ipc.Reconnecting, Profile: "work"})
	push(conn(7))
	push(conn(8))
	push(ipc.Status{State: ipc.Error, LastError: "a"})
	push(ipc.Status{State: ipc.Error, LastError: "b"})
	var states []string
	for _, s := range q.take() {
		states = append(states, string(s.st.State)+"/"+s.st.LastError)
	}
	want := []string{"connected/", "reconnecting/", "connected/", "error/a", "error/b"}
	if len(states) != len(want) {
		t.Fatalf("kept %q, want %q", states, want)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("kept %q, want %q", states, want)
		}
	}
}

func TestStatusQueueBounded(t *testing.T) {
	var q statusQueue
	for i := range 3 * maxQueued {
		st := ipc.Status{State: ipc.Connecting}
		if i%2 == 1 {
			st.State = ipc.Error
		}
		q.push(st, fakeservice.T0)
	}
	if got := q.take(); len(got) != maxQueued {
		t.Fatalf("queue holds %d statuses, bound is %d", len(got), maxQueued)
	}
}
