package app

import (
	"image"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// A push while the window is off screen updates the view only; the panes
// catch up when the window shows.
func TestHiddenWindowIsNotPainted(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.g.apply(fakeservice.Connected(), fakeservice.T0)
	if h.field("Handshake") != "under a minute ago" {
		t.Fatalf("handshake %q while shown", h.field("Handshake"))
	}
	h.g.closeWindow()
	st := fakeservice.Connected()
	st.RxBytes += 2_000_000
	h.g.apply(st, fakeservice.T0.Add(2*time.Second))
	// The legend is read before the disconnect, which clears the graph.
	if strings.Contains(h.g.status.graph.rx.Text, "MB/s") {
		t.Errorf("hidden window painted the rate: download %q", h.g.status.graph.rx.Text)
	}
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0.Add(3*time.Second))
	if h.field("Handshake") != "under a minute ago" || h.g.status.state.Text != "Connected" {
		t.Errorf("hidden window painted: state %q, handshake %q", h.g.status.state.Text, h.field("Handshake"))
	}
	if h.g.view.State != "Disconnected" {
		t.Errorf("view not updated while the window is hidden: %q", h.g.view.State)
	}
	h.g.ShowWindow("")
	if h.g.status.state.Text != "Disconnected" || h.field("Handshake") != view.None || h.g.status.button.Text != "Connect" {
		t.Errorf("shown window not brought up to date: state %q, handshake %q, button %q",
			h.g.status.state.Text, h.field("Handshake"), h.g.status.button.Text)
	}
}

// A push touches only the labels whose text changed.
func TestStatusPaneTouchesOnlyChanges(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	v := view.NewView(fakeservice.Connected(), fakeservice.T0)
	h.g.status.update(v)
	if n := h.g.status.update(v); n != 0 {
		t.Errorf("the same view again touched %d widgets", n)
	}
	// The handshake ages: the text, in minutes, stays.
	if n := h.g.status.update(view.NewView(fakeservice.Connected(), fakeservice.T0.Add(40*time.Second))); n != 0 {
		t.Errorf("a handshake 40 seconds older touched %d widgets, want 0", n)
	}
	if n := h.g.status.update(view.NewView(fakeservice.Connected(), fakeservice.T0.Add(50*time.Second))); n != 1 || h.field("Handshake") != "1 min ago" {
		t.Errorf("a handshake age change touched %d widgets (want 1), shows %q", n, h.field("Handshake"))
	}
	if n := h.g.status.update(view.NewView(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)); n < 5 {
		t.Errorf("a state change touched only %d widgets", n)
	}
}

// Closing the window on the Logs tab stops following the log; showing it
// again follows anew.
func TestLogsFollowOnlyOnScreen(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.fake.SetLogs("time=1 level=INFO msg=one")
	t.Cleanup(func() { h.g.logs.halt() }) // the fake service closes only once the stream ends
	h.g.ShowWindow("Logs")
	h.until("the lines", func() bool { return h.g.logs.buf.Len() == 1 })
	h.g.closeWindow()
	if h.g.logs.stop != nil || h.g.logs.buf.Len() != 0 || h.g.logs.grid.Text() != "" {
		t.Fatalf("with the window closed: following %v, %d lines kept", h.g.logs.stop != nil, h.g.logs.buf.Len())
	}
	h.g.ShowWindow("")
	if h.g.logs.stop == nil {
		t.Fatal("the log is not followed again when the window shows on the Logs tab")
	}
}

// An idle tunnel's graph stays one flat line: once drawn, a new sample of
// WireGuard's own chatter (keepalives, a handshake) does not redraw it; a
// sample with traffic does.
func TestRateGraphIdleNotRedrawn(t *testing.T) {
	var gr rateGraph
	at := fakeservice.T0
	// Pushes come about once a second, never exactly.
	next := func(i int) time.Time { return at.Add(time.Second + time.Duration(i%3)*37*time.Millisecond) }
	// What an idle tunnel measured in the GUI benchmark: a keepalive each
	// way every ten seconds or so, a handshake every two minutes.
	chatter := func(i int) (rx, tx float64) {
		switch i % 10 {
		case 3:
			return 32, 0
		case 7:
			return 0, 80
		case 9:
			return 92, 148
		}
		return 0, 0
	}
	// idle feeds n samples of chatter to gr; once drawn, it checks that
	// view.None of them changes the picture.
	idle := func(gr *rateGraph, n int, drawn bool, what string) {
		t.Helper()
		for i := range n {
			at = next(i)
			rx, tx := chatter(i)
			gr.add(at, rx, tx, 100, 100)
			if drawn && !gr.plot(300, 90).equal(gr.drawn) {
				t.Fatalf("%s, sample %d changes the picture: %v vs %v", what, i, gr.plot(300, 90), gr.drawn)
			}
		}
	}
	idle(&gr, 70, false, "")
	gr.draw(300, 90)
	idle(&gr, 12, true, "after an idle minute")
	gr.add(at.Add(time.Second), 5000, 0, 5100, 100)
	if gr.plot(300, 90).equal(gr.drawn) {
		t.Error("a sample with traffic does not change the picture")
	}

	// A tunnel that just came up has seconds of history, not a minute: its
	// idle line is as flat, and as still.
	var fresh rateGraph
	at = fakeservice.T0
	idle(&fresh, 3, false, "")
	fresh.draw(300, 90)
	idle(&fresh, 12, true, "3 s into a fresh idle tunnel")
}

// Redrawing the graph at the same size reuses its picture: traffic redraws
// it every second, and a new w×h buffer each time was the bulk of that cost.
// The pixels are the frame, the grid and the lines in the theme's colours.
func TestRateGraphRedrawReusesPicture(t *testing.T) {
	gr := newRateGraph()
	at := fakeservice.T0
	for i := range 30 {
		at = at.Add(time.Second)
		gr.add(at, float64(i%7)*10_000, 20_000, 100, 100)
	}
	const w, h = 300, 90
	first := gr.draw(w, h)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 20
	for range n {
		if gr.draw(w, h) != first {
			t.Fatal("a redraw at the same size made a new picture")
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > w*h*4/4 {
		t.Errorf("a redraw allocates %d bytes; the picture itself is %d", per, w*h*4)
	}
	img := first.(*image.RGBA)
	bg := premul(theme.Color(theme.ColorNameInputBackground))
	if got := img.RGBAAt(w/3, 0); got != bg {
		t.Errorf("top of the picture %v, want the background %v", got, bg)
	}
	if got, want := img.RGBAAt(0, h/2), premul(theme.Color(theme.ColorNameSeparator)); got != want {
		t.Errorf("half-scale line %v, want the separator colour %v", got, want)
	}
	// The last sample: 10 kB/s download and 20 kB/s upload on a 100 kB/s scale.
	last := gr.drawn.down[len(gr.drawn.down)-1]
	if got, want := img.RGBAAt(last.X, last.Y), premul(theme.Color(theme.ColorNamePrimary)); got != want {
		t.Errorf("download line at %v is %v, want %v", last, got, want)
	}
	if got, want := img.RGBAAt(last.X, last.Y+2), premul(withAlpha(theme.Color(theme.ColorNamePrimary), 0x50)); got != want {
		t.Errorf("below the download line %v, want the fill %v", got, want)
	}
	up := gr.drawn.up[len(gr.drawn.up)-1]
	if got, want := img.RGBAAt(up.X-3, up.Y), premul(theme.Color(theme.ColorNameSuccess)); got != want {
		t.Errorf("upload line at %v is %v, want %v", up, got, want)
	}
	if small := gr.draw(200, 60); small == first || small.Bounds().Dx() != 200 {
		t.Errorf("a new size kept the old picture: %v", small.Bounds())
	}
}

// The tabs not yet picked are not in the window: laying them out would load
// what only they use (the Logs tab's monospace font). Picking one puts its
// pane in.
func TestTabsJoinOnFirstShow(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	panes := map[string]fyne.CanvasObject{"Settings": h.g.settings.root, "Profiles": h.g.profiles.root,
		"Split tunnel": h.g.split.root, "Logs": h.g.logs.root}
	for _, it := range h.g.tabs.Items {
		if root, ok := panes[it.Text]; ok && it.Content == root {
			t.Errorf("the %s tab's pane is in the window before the tab was picked", it.Text)
		}
	}
	h.g.ShowWindow("Settings")
	if it := h.g.tabs.Selected(); it.Text != "Settings" || it.Content != h.g.settings.root {
		t.Errorf("picked tab %q does not show its pane", it.Text)
	}
	h.g.ShowWindow("Status")
	h.g.ShowWindow("Settings")
	if it := h.g.tabs.Selected(); it.Content != h.g.settings.root {
		t.Error("the Settings pane is gone on its second showing")
	}
}

// Two idle minutes on screen (WireGuard's keepalives each way every ten
// seconds or so, a handshake every two minutes, as the GUI benchmark's idle
// tunnel measured) change no text but the handshake age, and that once a
// minute: the legend's rates and the totals do not count the keepalives.
func TestIdleTunnelTextsStill(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	hs := fakeservice.T0.Add(-5 * time.Second)
	st.LastHandshake = &hs
	texts := func() string {
		gr := h.g.status.graph
		var b strings.Builder
		for _, name := range statusFields {
			b.WriteString(h.field(name) + "|")
		}
		b.WriteString(gr.rx.Text + "|" + gr.tx.Text + "|" + gr.scale.Text + "|" + gr.totals.Text)
		return b.String()
	}
	// Warm up: the first samples start the rates and the graph.
	at := fakeservice.T0
	for range 3 {
		at = at.Add(time.Second)
		h.g.apply(st, at)
	}
	before, changes, ages := texts(), 0, 0
	age := h.field("Handshake")
	for i := range 240 {
		at = at.Add(time.Second + time.Duration(i%3)*37*time.Millisecond)
		switch i % 10 {
		case 3:
			st.RxBytes += 32
		case 7:
			st.TxBytes += 32
		}
		if i%120 == 100 {
			st.TxBytes += 148
			st.RxBytes += 92
			hs := at
			st.LastHandshake = &hs
		}
		h.g.apply(st, at)
		if now := texts(); now != before {
			changes++
			before = now
		}
		if h.field("Handshake") != age {
			ages++
			age = h.field("Handshake")
		}
	}
	if ages == 0 || ages > 5 {
		t.Errorf("the handshake age changed %d times in 4 idle minutes, want 1 to 5", ages)
	}
	if changes != ages {
		t.Errorf("texts changed in %d of 240 idle seconds, %d of them the handshake age; now %s", changes, ages, before)
	}
}

// The window is as wide as its widest pane from the start: picking a tab
// for the first time does not widen it (Settings used to, 560 → 629 px),
// and the Logs pane still stays out until picked.
func TestWindowWidthFixedFromStart(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	start := h.g.win.Content().MinSize().Width
	if sw := h.g.settings.root.MinSize().Width; start < sw {
		t.Fatalf("the window starts %v wide, narrower than the Settings pane (%v)", start, sw)
	}
	for _, tab := range []string{"Settings", "Profiles", "Split tunnel", "Logs", "Status"} {
		h.g.ShowWindow(tab)
		if w := h.g.win.Content().MinSize().Width; w != start {
			t.Errorf("on the %s tab the window is %v wide at least, started at %v", tab, w, start)
		}
	}
}

// A text style the window meets for the first time costs its font faces
// only, not another copy of Fyne's colour emoji font: about 3 MB of Go heap
// a style, 6 MB with the emoji font.
func TestNewTextStyleSkipsEmojiFace(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.settle()
	// Fyne's own theme: the test theme has faces for a few styles only.
	h.g.fyne.Settings().SetTheme(theme.DefaultTheme())
	h.settle()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// A style no other test uses, so its faces load here.
	txt := canvas.NewText("Palisade ✓", theme.Color(theme.ColorNameForeground))
	txt.TextStyle = fyne.TextStyle{Bold: true, Underline: true}
	if txt.MinSize().Width <= 0 {
		t.Fatal("text not measured")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("a new text style: %.1f MB of heap", float64(grew)/(1<<20))
	if grew > 9<<19 { // 4.5 MB
		t.Errorf("a new text style's faces took %.1f MB of heap", float64(grew)/(1<<20))
	}
}
