package app

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func report(statuses ...ipc.CheckStatus) ipc.CheckReport {
	r := ipc.CheckReport{Time: fakeservice.T0, State: ipc.Connected}
	for i, s := range statuses {
		r.Items = append(r.Items, ipc.CheckItem{ID: string(rune('a' + i)), Title: "T" + string(rune('a'+i)), Status: s, Detail: "d"})
	}
	return r
}

func TestCheckRowsAndSummary(t *testing.T) {
	rows := CheckRows(report(ipc.CheckOK, ipc.CheckWarn, ipc.CheckFail, ipc.CheckSkip, ipc.CheckTimeout))
	var got []string
	for _, r := range rows {
		got = append(got, r.Mark)
	}
	if !slices.Equal(got, []string{"✓", "!", "✗", "–", "?"}) || rows[2].Tone != view.ToneBad || rows[4].Tone != view.ToneBad || rows[0].Tone != view.ToneGood || rows[1].Title != "Tb" {
		t.Errorf("rows %+v", rows)
	}
	for _, tc := range []struct {
		r    ipc.CheckReport
		says string
		tone view.Tone
	}{
		{report(ipc.CheckOK, ipc.CheckOK, ipc.CheckSkip), "All 2 checks passed", view.ToneGood},
		{report(ipc.CheckOK, ipc.CheckWarn), "No leak, but 1 warning", view.ToneBusy},
		{report(ipc.CheckFail, ipc.CheckWarn, ipc.CheckFail), "2 problems found", view.ToneBad},
		{report(ipc.CheckOK, ipc.CheckTimeout, ipc.CheckWarn), "1 item could not be verified", view.ToneBad},
		{report(ipc.CheckSkip), "disconnected", view.ToneNeutral},
	} {
		if s, tone := CheckSummary(tc.r); !strings.Contains(s, tc.says) || tone != tc.tone {
			t.Errorf("summary %q %v, want %q %v", s, tone, tc.says, tc.tone)
		}
	}
}

func TestChooseProfile(t *testing.T) {
	list := fakeservice.Profiles() // home, work (last used)
	idle := ipc.Status{State: ipc.Disconnected}
	for _, tc := range []struct {
		st     ipc.Status
		picked string
		want   string
	}{
		{idle, "", "work"},
		{idle, "home", "home"},
		{idle, "gone", "work"},
		{ipc.Status{State: ipc.Connected, Profile: "home"}, "work", "home"},
	} {
		if c := ChooseProfile(list, tc.st, tc.picked); c.Selected != tc.want || !slices.Equal(c.Names, []string{"home", "work"}) {
			t.Errorf("%v picked %q: %+v, want %q", tc.st.State, tc.picked, c, tc.want)
		}
	}
	if c := ChooseProfile(list[:1], idle, ""); c.Selected != "home" {
		t.Errorf("no last used: %+v", c)
	}
	if c := ChooseProfile(nil, idle, "x"); c.Selected != "" || len(c.Names) != 0 {
		t.Errorf("no profiles: %+v", c)
	}
	up := view.View{ServiceUp: true}
	if FirstRun(up, false, nil) || !FirstRun(up, true, nil) || FirstRun(up, true, list) || FirstRun(view.View{}, true, nil) {
		t.Error("FirstRun: only a running service with a read, empty list is a first run")
	}
}

func TestRateHistory(t *testing.T) {
	var h RateHistory
	for i := range 90 {
		h.Add(RatePoint{At: fakeservice.T0.Add(time.Duration(i) * time.Second), Rx: float64(i * 1000), Tx: 10})
	}
	pts := h.Points()
	if len(pts) != 61 || !pts[0].At.Equal(fakeservice.T0.Add(29*time.Second)) {
		t.Fatalf("%d points from %v, want the last minute", len(pts), pts[0].At)
	}
	if top := h.Top(); top != 100_000 {
		t.Errorf("top %v for a peak of 89 kB/s, want 100 kB/s", top)
	}
	for peak, want := range map[float64]float64{0: 50e3, 300: 50e3, 50e3: 50e3, 50001: 100e3, 150e3: 200e3, 250e3: 500e3, 1.2e6: 2e6} {
		h.Reset()
		h.Add(RatePoint{At: fakeservice.T0, Rx: peak})
		if got := h.Top(); got != want {
			t.Errorf("top for %v: %v, want %v", peak, got, want)
		}
	}
	now := fakeservice.T0.Add(60 * time.Second)
	pts = []RatePoint{{At: fakeservice.T0, Rx: 0, Tx: 500}, {At: fakeservice.T0.Add(30 * time.Second), Rx: 500}, {At: now, Rx: 1000, Tx: 2000}}
	got := Plot(pts, now, 101, 51, 1000, false)
	if want := []image.Point{{0, 50}, {50, 25}, {100, 0}}; !slices.Equal(got, want) {
		t.Errorf("download plot %v, want %v", got, want)
	}
	if up := Plot(pts, now, 101, 51, 1000, true); up[0] != (image.Point{0, 25}) || up[2] != (image.Point{100, 0}) {
		t.Errorf("upload plot %v (above the top is clipped)", up)
	}
}

func TestLogBufferAndDrops(t *testing.T) {
	var b LogBuffer
	if b.Text() != "" {
		t.Error("empty buffer has text")
	}
	for i := range maxLogLines + 5 {
		b.Append("line " + string(rune('a'+i%26)))
	}
	if b.Len() != maxLogLines || !strings.HasPrefix(b.Text(), "line f\n") || !strings.HasSuffix(b.Text(), "\n") {
		t.Errorf("len %d, text starts %q", b.Len(), b.Text()[:10])
	}
	conf, other := DroppedProfiles([]string{"/home/u/office.conf", "/tmp/x.CONF", "/home/u/photo.png"})
	if !slices.Equal(conf, []string{"/home/u/office.conf", "/tmp/x.CONF"}) || !slices.Equal(other, []string{"photo.png"}) {
		t.Errorf("conf %q other %q", conf, other)
	}
}

// The Check button asks the service and shows its report; the button is
// busy meanwhile and usable again after.
func TestCheckButton(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	r := report(ipc.CheckOK, ipc.CheckFail)
	h.fake.SetCheck(r)
	h.g.apply(fakeservice.Connected(), fakeservice.T0)
	h.g.status.check.OnTapped()
	if h.g.status.check.Text != "Checking…" || !h.g.status.check.Disabled() {
		t.Errorf("button while checking: %q disabled %v", h.g.status.check.Text, h.g.status.check.Disabled())
	}
	h.until("the report", func() bool { return len(h.g.lastCheck.Items) == 2 })
	if h.g.lastCheck.Items[1].Status != ipc.CheckFail || h.g.status.check.Disabled() || h.g.status.check.Text != "Check" {
		t.Errorf("report %+v, button %q disabled %v", h.g.lastCheck, h.g.status.check.Text, h.g.status.check.Disabled())
	}
	if !slices.Contains(h.fake.Calls(), "GET "+ipc.PathCheck) {
		t.Errorf("no check asked: %q", h.fake.Calls())
	}
	if h.g.checkDialog == nil {
		t.Fatal("no report shown")
	}
	h.g.HideCheck()
	if h.g.checkDialog != nil {
		t.Error("report still held after HideCheck")
	}
}

// A first run greets and offers import; after an import the profile is
// picked and Connect connects it in one click. Dropping a .conf imports it
// too, and anything else is named.
func TestFirstRunImportConnect(t *testing.T) {
	idle := ipc.Status{State: ipc.Disconnected, CanControl: true}
	h := newHarnessWith(t, idle, settings.Default(), nil)
	h.g.Start(t.Context())
	h.until("the welcome", func() bool { return h.g.status.welcome.Visible() })
	if !h.g.status.choice.Disabled() || h.g.status.bottom.Visible() || h.g.status.details.Visible() {
		t.Error("first run: the connect controls or the details are shown without a profile")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "office.conf")
	if err := os.WriteFile(conf, []byte(goodConf), 0o600); err != nil {
		t.Fatal(err)
	}
	h.g.dropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(conf), storage.NewFileURI(filepath.Join(dir, "cat.jpg"))})
	if !strings.Contains(h.g.status.welcomeNote.Text, "cat.jpg") {
		t.Errorf("welcome note %q does not name the refused file", h.g.status.welcomeNote.Text)
	}
	h.until("the import", func() bool { return !h.g.status.welcome.Visible() })
	if h.g.status.picked != "office" || h.g.status.choice.Disabled() || h.g.status.button.Text != "Connect" || !h.g.status.bottom.Visible() {
		t.Fatalf("after import: picked %q, picker disabled %v, button %q", h.g.status.picked, h.g.status.choice.Disabled(), h.g.status.button.Text)
	}
	h.g.status.button.OnTapped()
	h.until("the connect", func() bool { return h.fake.Connected() != "" })
	if got := h.fake.Connected(); got != "office" {
		t.Errorf("connected %q, want office", got)
	}
}

// The picker's choice is what Connect connects.
func TestConnectChoice(t *testing.T) {
	idle := ipc.Status{State: ipc.Disconnected, CanControl: true}
	h := newHarness(t, idle, settings.Default())
	h.g.apply(idle, fakeservice.T0)
	h.g.setProfiles(fakeservice.Profiles())
	if h.g.status.choice.Selected != "work" {
		t.Fatalf("picker starts on %q, want the last used", h.g.status.choice.Selected)
	}
	h.g.status.choice.SetSelected("home")
	h.g.apply(idle, fakeservice.T0.Add(time.Second))
	if h.g.status.choice.Selected != "home" {
		t.Errorf("a status push reset the pick to %q", h.g.status.choice.Selected)
	}
	h.g.status.button.OnTapped()
	h.until("the connect", func() bool { return h.fake.Connected() != "" })
	if h.fake.Connected() != "home" {
		t.Errorf("connected %q, want home", h.fake.Connected())
	}
	h.g.apply(fakeservice.Connected(), fakeservice.T0.Add(2*time.Second))
	if h.g.status.choice.Selected != "work" || !h.g.status.choice.Disabled() {
		t.Errorf("connected to work: picker %q disabled %v", h.g.status.choice.Selected, h.g.status.choice.Disabled())
	}
}

// The rate graph gets a point per rate and empties when the tunnel goes.
func TestRateGraphFollowsRates(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	h.g.apply(st, fakeservice.T0)
	st.RxBytes += 2_000_000
	h.g.apply(st, fakeservice.T0.Add(time.Second))
	gr := h.g.status.graph
	if n := len(gr.hist.Points()); n != 1 || !strings.Contains(gr.rx.Text, "2.0 MB/s") || !strings.Contains(gr.totals.Text, "3.0 MB received") {
		t.Errorf("%d points, legend %q, totals %q", n, gr.rx.Text, gr.totals.Text)
	}
	if img := gr.draw(120, 60); img.Bounds().Dx() != 120 {
		t.Errorf("graph drawn at %v", img.Bounds())
	}
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0.Add(2*time.Second))
	if len(gr.hist.Points()) != 0 || !strings.Contains(gr.totals.Text, "nothing") {
		t.Errorf("after disconnect: %d points, totals %q", len(gr.hist.Points()), gr.totals.Text)
	}
	// A new tunnel seen without a state in between (the GUI reattached to a
	// restarted service) starts an empty graph: its counters went down.
	st = fakeservice.Connected()
	for i := range 3 {
		st.RxBytes += 1_000_000
		h.g.apply(st, fakeservice.T0.Add(time.Duration(3+i)*time.Second))
	}
	if len(gr.hist.Points()) != 2 {
		t.Fatalf("%d points after three pushes", len(gr.hist.Points()))
	}
	st = fakeservice.Connected()
	st.RxBytes, st.TxBytes = 10, 10
	h.g.apply(st, fakeservice.T0.Add(6*time.Second))
	if len(gr.hist.Points()) != 0 {
		t.Errorf("the old tunnel's %d points outlived its counters", len(gr.hist.Points()))
	}
}

// The logs tab follows the log only while shown; a caller without rights
// is told why it sees nothing.
func TestLogsTab(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.fake.SetLogs("time=1 level=INFO msg=one", "time=2 level=WARN msg=two")
	h.g.ShowWindow("Logs")
	h.until("the lines", func() bool { return h.g.logs.buf.Len() == 2 })
	if !strings.Contains(h.g.logs.grid.Text(), "msg=two") || h.g.logs.copy.Disabled() {
		t.Errorf("grid %q, copy disabled %v", h.g.logs.grid.Text(), h.g.logs.copy.Disabled())
	}
	h.g.logs.copy.OnTapped()
	if got := h.g.fyne.Clipboard().Content(); got != "time=1 level=INFO msg=one\ntime=2 level=WARN msg=two\n" {
		t.Errorf("clipboard %q", got)
	}
	h.g.ShowWindow("Status")
	if h.g.logs.stop != nil {
		t.Error("still following with the tab hidden")
	}
	h.fake.Refuse("GET", ipc.PathLogs, 403, "permission denied")
	h.g.ShowWindow("Logs")
	h.until("the refusal", func() bool { return strings.Contains(h.g.logs.note.Text, "palisade group") })
}

// A hidden window records samples without drawing; showing it draws the
// latest once.
func TestRateGraphHiddenWindow(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	h.g.apply(st, fakeservice.T0)
	h.g.closeWindow()
	st.RxBytes += 5_000_000
	h.g.apply(st, fakeservice.T0.Add(time.Second))
	gr := h.g.status.graph
	if len(gr.hist.Points()) != 1 || strings.Contains(gr.rx.Text, "5.0 MB/s") || !gr.dirty {
		t.Errorf("hidden: %d points, legend %q, dirty %v", len(gr.hist.Points()), gr.rx.Text, gr.dirty)
	}
	h.g.ShowWindow("Status")
	if !strings.Contains(gr.rx.Text, "5.0 MB/s") || gr.dirty {
		t.Errorf("shown: legend %q, dirty %v", gr.rx.Text, gr.dirty)
	}
}

func TestReadableLine(t *testing.T) {
	for in, want := range map[string]string{
		`time=2026-11-26T16:49:59.262Z level=WARN msg="state directory was open" dir=/x`:     "16:49:59 WARN  state directory was open dir=/x",
		`time=2026-11-26T16:50:01.241Z level=INFO msg=state from=disconnected to=connecting`: "16:50:01 INFO  state from=disconnected to=connecting",
		`time=2026-11-26T16:50:01.241Z level=ERROR msg="quote \" inside"`:                    `16:50:01 ERROR quote " inside`,
		"panic: something":                   "panic: something",
		"time=garbage level=INFO msg=x":      "time=garbage level=INFO msg=x",
		"time=2026-11-26T16:50:01Z no level": "time=2026-11-26T16:50:01Z no level",
	} {
		if got := ReadableLine(in, time.UTC); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
}

// The outside check is a switch with a URL; a bad URL keeps Save off, a
// good one is saved.
func TestSettingsOutsideCheck(t *testing.T) {
	h, p := loadedSettings(t)
	if p.outside.Checked || p.checkURL.Text != "" {
		t.Fatalf("defaults: outside %v url %q", p.outside.Checked, p.checkURL.Text)
	}
	p.outside.SetChecked(true)
	p.checkURL.SetText("ftp://example.net/")
	if !p.save.Disabled() || p.checkURL.Validate() == nil {
		t.Errorf("bad URL: save disabled %v, entry error %v", p.save.Disabled(), p.checkURL.Validate())
	}
	p.checkURL.SetText(" https://ip.example.net/ ")
	if p.save.Disabled() {
		t.Fatal("good URL: save disabled")
	}
	p.save.OnTapped()
	h.until("saved", func() bool { return h.fake.Settings().Check.Outside })
	if got := h.fake.Settings().Check; got.URL != "https://ip.example.net/" {
		t.Errorf("saved %+v", got)
	}
}

// FuzzReadableLine: any line, however mangled, is shown without a panic,
// and a line the service did not write in its format is shown as it is.
func FuzzReadableLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		got := ReadableLine(line, time.UTC)
		if !strings.HasPrefix(line, "time=") && got != line {
			t.Errorf("foreign line %q shown as %q", line, got)
		}
		if line != "" && got == "" {
			t.Errorf("line %q shown empty", line)
		}
	})
}

// A theme switch (the desktop going dark or light) repaints what carries
// colours of its own.
func TestThemeSwitchRepaints(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	h.g.apply(st, fakeservice.T0)
	st.RxBytes += 1000
	h.g.apply(st, fakeservice.T0.Add(time.Second))
	before := h.g.status.state.Color
	h.g.fyne.Settings().SetTheme(test.NewTheme())
	h.settle()
	if h.g.status.state.Color == before || h.g.status.state.Color != theme.Color(theme.ColorNameSuccess) {
		t.Errorf("state colour %v after the switch, want the new theme's %v (was %v)", h.g.status.state.Color, theme.Color(theme.ColorNameSuccess), before)
	}
	if h.g.status.graph.rx.Color != theme.Color(theme.ColorNamePrimary) {
		t.Errorf("graph legend colour %v, want %v", h.g.status.graph.rx.Color, theme.Color(theme.ColorNamePrimary))
	}
}
