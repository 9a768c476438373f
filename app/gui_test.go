package app

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// harness runs a GUI against a fake service with all UI work queued for the
// test goroutine, so widgets are only touched from one goroutine.
type harness struct {
	t    *testing.T
	g    *GUI
	fake *fakeservice.Service
	ui   chan func()
	// clock is the window's time; alarm the timer it armed, fired only by
	// fire (windowclock.go).
	clock time.Time
	alarm *alarm
}

// alarm is a timer the window armed.
type alarm struct {
	at time.Time
	f  func()
}

func newHarness(t *testing.T, st ipc.Status, s settings.Settings) *harness {
	t.Helper()
	return newHarnessWith(t, st, s, fakeservice.Profiles())
}

// newHarnessWith is newHarness with the fake holding list as its profiles.
func newHarnessWith(t *testing.T, st ipc.Status, s settings.Settings, list []ipc.ProfileInfo) *harness {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	h := &harness{t: t, fake: fakeservice.Start(t, st, s, list), ui: make(chan func(), 64)}
	h.g = New(test.NewTempApp(t), ipc.NewClient(h.fake.Socket))
	h.g.do = func(f func()) { h.ui <- f }
	h.clock = fakeservice.T0
	h.g.now = func() time.Time { return h.clock }
	h.g.after = func(d time.Duration, f func()) func() {
		a := &alarm{h.clock.Add(d), f}
		h.alarm = a
		return func() {
			if h.alarm == a {
				h.alarm = nil
			}
		}
	}
	h.g.ShowWindow("Status")
	return h
}

// until runs queued UI work until cond holds, for at most 20 s.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case f := <-h.ui:
			f()
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// settle runs queued UI work until none arrives for a moment.
func (h *harness) settle() {
	for range 1000 {
		select {
		case f := <-h.ui:
			f()
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func (h *harness) field(name string) string { return h.g.status.fields[name].Text }

func TestStatusWidgets(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	st := fakeservice.Connected()
	h.g.apply(st, fakeservice.T0)
	if h.g.status.state.Text != "Connected" || h.g.status.button.Text != "Disconnect" || h.g.status.button.Disabled() {
		t.Errorf("header %q, button %q disabled %v", h.g.status.state.Text, h.g.status.button.Text, h.g.status.button.Disabled())
	}
	for name, want := range map[string]string{
		"IPv4": "10.64.0.2/32", "IPv6": "fd64::2/128", "Endpoint": "198.51.100.2:51820",
		"DNS": "Tunnel · 10.64.0.1, fd64::1", "Handshake": "under a minute ago",
	} {
		if got := h.field(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	st.RxBytes += 3_000_000
	st.TxBytes += 500_000
	h.g.apply(st, fakeservice.T0.Add(2*time.Second))
	// The rates are in the graph's legend, not repeated in the details.
	gr := h.g.status.graph
	if !strings.Contains(gr.rx.Text, "1.5 MB/s") || !strings.Contains(gr.tx.Text, "250 kB/s") {
		t.Errorf("rates %q / %q", gr.rx.Text, gr.tx.Text)
	}
	for _, name := range []string{"Download", "Upload"} {
		if _, ok := h.g.status.fields[name]; ok || slices.Contains(statusFields, name) {
			t.Errorf("the details repeat the graph's %s rate", name)
		}
	}
	if h.g.status.problem.Visible() {
		t.Errorf("problem shown while connected: %q", h.g.status.problem.Text)
	}
	h.g.apply(ipc.Status{State: ipc.Error, LastError: "no handshake", KillSwitch: settings.KillSwitchAuto, KillSwitchEngaged: true, CanControl: true}, fakeservice.T0)
	if !h.g.status.problem.Visible() || !strings.Contains(h.g.status.problem.Text, "blocked by the kill switch") {
		t.Errorf("error problem = %q", h.g.status.problem.Text)
	}
	if h.g.view.Icon != view.IconError || strings.Contains(gr.rx.Text, "B/s") {
		t.Errorf("icon %v, download %q after error", h.g.view.Icon, gr.rx.Text)
	}
}

func TestServiceGoneAndBack(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	ctx := t.Context()
	h.g.Start(ctx)
	h.until("connected", func() bool { return h.g.status.state.Text == "Connected" })
	h.fake.Stop()
	h.until("service down", func() bool { return !h.g.up })
	if h.g.status.state.Text != "Service not running" || !strings.Contains(h.g.status.problem.Text, "sudo systemctl start palisaded") {
		t.Errorf("down: %q / %q", h.g.status.state.Text, h.g.status.problem.Text)
	}
	if !h.g.status.button.Disabled() || !h.g.settings.save.Disabled() || !h.g.settings.kill.Disabled() {
		t.Error("controls stay enabled without a service")
	}
	h.fake = h.fake.Restart(t)
	h.until("reconnected", func() bool { return h.g.up && h.g.status.state.Text == "Connected" })
	if h.g.status.button.Disabled() {
		t.Error("button still disabled after the service came back")
	}
}

func TestNotAuthorized(t *testing.T) {
	st := fakeservice.Connected()
	st.CanControl = false
	h := newHarness(t, st, settings.Default())
	h.g.apply(st, fakeservice.T0)
	if !h.g.status.button.Disabled() || !h.g.status.note.Visible() || !strings.Contains(h.g.status.note.Text, "palisade group") {
		t.Errorf("button disabled %v, note %q", h.g.status.button.Disabled(), h.g.status.note.Text)
	}
	if !h.g.settings.kill.Disabled() || !h.g.profiles.imp.Disabled() {
		t.Error("settings or import enabled without control rights")
	}
	h.fake.Refuse(http.MethodPost, ipc.PathDisconnect, http.StatusForbidden, "permission denied")
	h.g.act(view.ActionDisconnect, "")
	h.until("refusal shown", func() bool { return strings.Contains(h.g.status.problem.Text, "palisade group") })
	h.g.apply(st, fakeservice.T0.Add(5*time.Second))
	if !strings.Contains(h.g.status.problem.Text, "palisade group") {
		t.Error("a periodic push wiped the refusal")
	}
	st.State, st.KillSwitchEngaged = ipc.Disconnected, false
	h.g.apply(st, fakeservice.T0.Add(6*time.Second))
	if h.g.status.problem.Visible() {
		t.Errorf("refusal still shown after the state changed: %q", h.g.status.problem.Text)
	}
}
