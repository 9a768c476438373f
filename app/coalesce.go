package app

import (
	"sync"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// maxQueued bounds the statuses waiting for the UI thread; past it the
// newest replaces the last waiting one.
const maxQueued = 32

// stamped is a status and when it arrived.
type stamped struct {
	st ipc.Status
	at time.Time
}

// statusQueue holds pushed statuses until the UI thread takes them. A push
// replaces a waiting status in the same state (only counters or ages moved),
// so a UI thread that fell behind catches up with one render instead of
// one per push, yet every state change is still applied, in order, and gets
// its notification.
type statusQueue struct {
	mu sync.Mutex
	q  []stamped
}

// push adds a status received at at. It reports whether the queue was
// empty: then, and only then, the caller schedules a take on the UI thread.
func (q *statusQueue) push(st ipc.Status, at time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.q); n > 0 && (n == maxQueued || sameState(q.q[n-1].st, st)) {
		q.q[n-1] = stamped{st, at}
		return false
	}
	q.q = append(q.q, stamped{st, at})
	return len(q.q) == 1
}

// take returns the waiting statuses, oldest first, and empties the queue.
func (q *statusQueue) take() []stamped {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.q
	q.q = nil
	return out
}

// sameState reports whether two statuses differ in nothing a notification or
// a state change cares about.
func sameState(a, b ipc.Status) bool {
	return a.State == b.State && a.LastError == b.LastError && a.Profile == b.Profile &&
		a.KillSwitchEngaged == b.KillSwitchEngaged
}
