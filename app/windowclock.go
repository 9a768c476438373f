package app

import (
	"context"
	"time"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
)

// The window's own clock. The window follows the status stream with
// ipc.QueryChangesRates: the service pushes the counters every second while
// traffic flows and leaves them out while the tunnel idles, so an idle
// window is not woken once a second to learn that nothing moved. What
// moves with time alone the window keeps itself, with one timer armed for
// the earliest of:
//   - the rate graph's next local step: while a line is not flat, the graph
//     scrolls left in 1 s steps, sampling "idle" (silence from the service
//     means under ipc.IdleRate), until it is flat; a flat graph needs none;
//   - the handshake age's next change of text (minute steps, then hours).
//
// So an idle window with a flat graph wakes once a minute.

// rateStream follows the stream without the idle tunnel's counter pushes.
type rateStream struct{ c *ipc.Client }

// Watch follows /v1/status/stream?changes=rates.
func (s rateStream) Watch(ctx context.Context, fn func(ipc.Status)) error {
	return s.c.WatchRates(ctx, fn)
}

// afterFunc runs f after d and returns a function that cancels it.
func afterFunc(d time.Duration, f func()) (cancel func()) {
	t := time.AfterFunc(d, f)
	return func() { t.Stop() }
}

// rearm sets the window's one timer for the next local step, if any.
func (g *GUI) rearm() {
	if g.cancelWake != nil {
		g.cancelWake()
		g.cancelWake = nil
	}
	at, ok := g.nextWake()
	if !ok {
		return
	}
	g.cancelWake = g.after(max(at.Sub(g.now()), 0), func() { g.do(g.wake) })
}

// nextWake is when the graph or the handshake age next needs the clock.
func (g *GUI) nextWake() (time.Time, bool) {
	at, ok := g.status.graph.nextStep()
	if age, aok := g.ageChange(); aok && (!ok || age.Before(at)) {
		at, ok = age, true
	}
	return at, ok
}

// wake takes the steps that are due, on the UI thread, and rearms.
func (g *GUI) wake() {
	now := g.now()
	if at, ok := g.status.graph.nextStep(); ok && !now.Before(at) {
		g.status.graph.idleStep(now)
		if g.shown && g.onTab("Status") {
			g.status.graph.show()
		}
	}
	if at, ok := g.ageChange(); ok && !now.Before(at) {
		g.viewAt = now
		g.render(view.NewView(g.last, now))
	}
	g.rearm()
}

// ageChange is when the handshake age shown next changes its text.
func (g *GUI) ageChange() (time.Time, bool) {
	hs := g.last.LastHandshake
	if !g.up || !g.haveLast || hs == nil || hs.IsZero() {
		return time.Time{}, false
	}
	return g.viewAt.Add(AgoNext(g.viewAt.Sub(*hs))), true
}

// AgoNext is how long after d the text view.Ago gives for d changes: the rest of
// the minute under an hour (and up to the first minute), of the hour under
// two days, then of the day.
func AgoNext(d time.Duration) time.Duration {
	step := 24 * time.Hour
	switch {
	case d < time.Minute:
		return time.Minute - d
	case d < time.Hour:
		step = time.Minute
	case d < 48*time.Hour:
		step = time.Hour
	}
	return step - d%step
}
