package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// fire moves the window's clock to its armed timer and runs the wake; it
// reports false when no timer is armed.
func (h *harness) fire() bool {
	h.t.Helper()
	a := h.alarm
	if a == nil {
		return false
	}
	if a.at.Before(h.clock) {
		h.t.Fatalf("timer armed for %v, before the clock's %v", a.at, h.clock)
	}
	h.clock, h.alarm = a.at, nil
	h.g.wake()
	return true
}

// The window follows the stream that leaves out the idle tunnel's counters.
func TestWindowAsksForRates(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.g.Start(t.Context())
	h.until("connected", func() bool { return h.g.status.state.Text == "Connected" })
	if q := h.fake.StreamQueries(); !slices.Contains(q, strings.TrimPrefix(ipc.QueryChangesRates, "?")) {
		t.Errorf("status streams asked with %q, want %q", q, ipc.QueryChangesRates)
	}
}

// An idle window, with no push from the service, wakes once to show the
// idle rate and draw its flat line, then only when the handshake age's
// text changes: five times in five minutes, each a visible change, and
// nothing else in the window changes.
func TestIdleWindowWakesOnlyForAge(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	hs := fakeservice.T0.Add(-5 * time.Second)
	st.LastHandshake = &hs
	h.g.apply(st, fakeservice.T0)
	if !h.fire() {
		t.Fatal("no timer after the first push: the legend would say — until the next handshake")
	}
	gr := h.g.status.graph
	if !strings.Contains(gr.rx.Text, "< 1 kB/s") || !strings.Contains(gr.tx.Text, "< 1 kB/s") {
		t.Fatalf("after a quiet second the legend says %q %q, want idle", gr.rx.Text, gr.tx.Text)
	}
	if _, ok := gr.nextStep(); ok {
		t.Fatal("a flat idle graph still asks for steps")
	}
	others := func() string {
		var b strings.Builder
		for _, name := range statusFields {
			if name != "Handshake" {
				b.WriteString(h.field(name) + "|")
			}
		}
		b.WriteString(gr.rx.Text + "|" + gr.tx.Text + "|" + gr.scale.Text + "|" + gr.totals.Text)
		return b.String()
	}
	before, picture := others(), gr.plot(gr.size())
	wakes := 0
	for h.alarm != nil && h.alarm.at.Before(fakeservice.T0.Add(5*time.Minute)) {
		age := h.field("Handshake")
		h.fire()
		wakes++
		if h.field("Handshake") == age {
			t.Errorf("woke at %v without changing the handshake age (%q)", h.clock.Sub(fakeservice.T0), age)
		}
	}
	if wakes != 5 {
		t.Errorf("woke %d times in 5 idle minutes, want 5 (the handshake age's minutes)", wakes)
	}
	if h.field("Handshake") != "5 min ago" {
		t.Errorf("handshake age %q after 5 minutes, want 5 min ago", h.field("Handshake"))
	}
	if now := others(); now != before || !gr.plot(gr.size()).equal(picture) {
		t.Errorf("idle minutes changed the window: %s, was %s", now, before)
	}
}

// A rate is measured over the time between the pushes, however long: the
// service leaves out the idle seconds, so 2.5 MB over 25 s is 100 kB/s.
func TestRateOverGap(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	h.g.apply(st, fakeservice.T0)
	st.RxBytes += 2_500_000
	st.TxBytes += 250_000
	h.g.apply(st, fakeservice.T0.Add(25*time.Second))
	gr := h.g.status.graph
	if !strings.Contains(gr.rx.Text, "100 kB/s") || !strings.Contains(gr.tx.Text, "10.0 kB/s") {
		t.Errorf("legend %q %q, want 100 kB/s down and 10.0 kB/s up", gr.rx.Text, gr.tx.Text)
	}
	pts := gr.hist.Points()
	if len(pts) != 1 || pts[0].Rx != 100_000 || pts[0].Tx != 10_000 || !pts[0].At.Equal(fakeservice.T0.Add(25*time.Second)) {
		t.Errorf("graph points %+v, want one of 100000 and 10000 B/s at 25 s", pts)
	}
}

// Traffic draws a point a push, once a second, with no local step between
// them. When it stops the graph keeps scrolling left in 1 s steps on its
// own clock, every step moving the picture, until the traffic has left it
// and the lines are flat; then it stops.
func TestGraphScrollsUntilFlat(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	st.LastHandshake = nil // no handshake age to step
	h.g.apply(st, fakeservice.T0)
	gr := h.g.status.graph
	at := fakeservice.T0
	for i := 1; i <= 10; i++ {
		at = fakeservice.T0.Add(time.Duration(i)*time.Second + time.Duration(i%3)*37*time.Millisecond)
		st.RxBytes += 500_000
		st.TxBytes += 20_000
		h.g.apply(st, at)
		if h.alarm != nil && h.alarm.at.Before(at.Add(1500*time.Millisecond)) {
			t.Fatalf("push %d at %v: a local step armed for %v, before the next push is late", i, at.Sub(fakeservice.T0), h.alarm.at.Sub(fakeservice.T0))
		}
	}
	if n := len(gr.hist.Points()); n != 10 {
		t.Fatalf("%d graph points after 10 pushes of traffic, want 10", n)
	}
	at = at.Add(time.Second)
	h.g.apply(st, at) // the service's push after the last that moved bytes
	steps, last := 0, at
	for h.fire() {
		if h.clock.Sub(last) != time.Second {
			t.Fatalf("step %d came %v after the last sample, want 1 s", steps+1, h.clock.Sub(last))
		}
		before := gr.drawn
		gr.drawn = gr.plot(gr.size())
		if gr.drawn.equal(before) && steps > 0 {
			t.Fatalf("step %d did not move the picture", steps+1)
		}
		steps, last = steps+1, h.clock
		if steps > 120 {
			t.Fatal("still stepping after two minutes")
		}
	}
	if !gr.plot(gr.size()).flat() {
		t.Errorf("stopped stepping after %d steps with the lines not flat: %v", steps, gr.plot(gr.size()))
	}
	// The last traffic sample was 11 s before the drop: it leaves the
	// minute's window within a minute of it.
	if steps < 45 || steps > 62 {
		t.Errorf("stepped %d times before the graph was flat, want 45 to 62", steps)
	}
}

// AgoNext is when Ago's text changes: the same text just before, another at.
func TestAgoNext(t *testing.T) {
	for _, d := range []time.Duration{-3 * time.Second, 0, 5 * time.Second, 59 * time.Second, time.Minute,
		61 * time.Second, 59*time.Minute + 30*time.Second, time.Hour, 3*time.Hour + 7*time.Minute,
		47*time.Hour + 59*time.Minute, 48 * time.Hour, 100 * time.Hour} {
		n := AgoNext(d)
		if n <= 0 || n > 24*time.Hour {
			t.Errorf("AgoNext(%v) = %v", d, n)
			continue
		}
		if view.Ago(d+n-time.Millisecond) != view.Ago(d) || view.Ago(d+n) == view.Ago(d) {
			t.Errorf("AgoNext(%v) = %v: Ago %q, just before %q, at %q", d, n, view.Ago(d), view.Ago(d+n-time.Millisecond), view.Ago(d+n))
		}
	}
}
