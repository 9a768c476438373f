package ipc

import (
	"fmt"
	"net/url"
	"reflect"
)

// IdleRate is the transfer rate, in bytes per second, under which a tunnel
// counts as idle: an idle WireGuard tunnel still sends a 32-byte keepalive
// each way every ten seconds or so and a handshake every two minutes, which
// no user acts on. The GUI shows rates under it as "< 1 kB/s", and a stream
// asked for rates (QueryChangesRates) pushes counters only while at least
// this much moves.
const IdleRate = 1000

// QueryChangesRates, added to PathStream, leaves out the pushes that change
// only the counters and the handshake time while the tunnel is idle (under
// IdleRate), and keeps them while traffic flows: a window showing rates gets
// a push a second while they are worth showing and sleeps while the tunnel
// idles (StreamFilter says exactly when).
const QueryChangesRates = "?changes=rates"

// OnlyCountersDiffer reports whether a and b differ at most in the traffic
// counters and the last handshake time, the fields that move every second
// while connected. Such a push means nothing to a tray, which shows neither.
func OnlyCountersDiffer(a, b Status) bool {
	a.RxBytes, a.TxBytes, a.LastHandshake = 0, 0, nil
	b.RxBytes, b.TxBytes, b.LastHandshake = 0, 0, nil
	return reflect.DeepEqual(a, b)
}

// Which pushes a status stream sends, by its "changes" query value.
const (
	changesAll   = ""      // every push, once a second while connected
	changesOnly  = "only"  // QueryChangesOnly
	changesRates = "rates" // QueryChangesRates
)

// StreamFilter decides, push by push, which statuses a stream sends, as its
// "changes" query asked. The zero value sends every push.
type StreamFilter struct {
	mode string
	// last is the status last sent; sent tells there was one.
	last Status
	sent bool
	// moved: the last status sent moved the counters since the one sent
	// before it, so a reader showing rates shows a rate for it.
	moved bool
}

// NewStreamFilter reads a stream request's query: no "changes" sends every
// push; "only" and "rates" are QueryChangesOnly and QueryChangesRates.
func NewStreamFilter(q url.Values) (*StreamFilter, error) {
	switch m := q.Get("changes"); m {
	case changesAll, changesOnly, changesRates:
		return &StreamFilter{mode: m}, nil
	default:
		return nil, fmt.Errorf("unknown changes=%q: want %q or %q", m, changesOnly, changesRates)
	}
}

// Send reports whether st goes out, and if so records it as sent. The first
// status always goes out, and so does any change beyond the counters and
// the handshake time. For "only" that is all. For "rates" a push that moves
// only the counters goes out too when
//   - at least IdleRate bytes moved either way since the last push sent (so
//     a rate of IdleRate or more is shown every second, and the session's
//     totals, shown in whole kB, stay within a kB), or
//   - the last push sent moved any bytes since the one before it: the reader
//     showed a rate for it, and this push shows the drop back to idle, or
//   - the handshake time changed (the reader shows its age).
//
// So an idle tunnel gets a push when its handshake renews, about every two
// minutes, instead of every second.
func (f *StreamFilter) Send(st Status) bool {
	keep := f.keep(st)
	if keep {
		f.moved = f.sent && (st.RxBytes != f.last.RxBytes || st.TxBytes != f.last.TxBytes)
		f.last, f.sent = st, true
	}
	return keep
}

func (f *StreamFilter) keep(st Status) bool {
	if f.mode == changesAll || !f.sent || !OnlyCountersDiffer(f.last, st) {
		return true
	}
	if f.mode == changesOnly {
		return false
	}
	return f.moved || !sameTime(f.last, st) ||
		atLeast(f.last.RxBytes, st.RxBytes, IdleRate) || atLeast(f.last.TxBytes, st.TxBytes, IdleRate)
}

// atLeast tells whether a counter moved by n or more from was to now, or
// went back (a new tunnel's counters start again from zero).
func atLeast(was, now, n uint64) bool { return now < was || now-was >= n }

// sameTime tells whether two statuses report the same last handshake.
func sameTime(a, b Status) bool {
	if a.LastHandshake == nil || b.LastHandshake == nil {
		return a.LastHandshake == b.LastHandshake
	}
	return a.LastHandshake.Equal(*b.LastHandshake)
}
