package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/settings"
)

// TestSplitTab: the tab sets the mode, adds and removes programs through
// the service, and is disabled with the service's reason where split
// tunnelling cannot run.
func TestSplitTab(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.g.apply(fakeservice.Connected(), fakeservice.T0)
	h.settle()
	p := h.g.split
	if p.mode.Disabled() || p.note.Text != "" || p.note.Visible() {
		t.Fatalf("tab not usable on an available system: disabled %v, note %q shown %v", p.mode.Disabled(), p.note.Text, p.note.Visible())
	}
	p.mode.SetSelected(splitOptions[1])
	h.until("bypass mode saved", func() bool { return h.fake.Settings().Split.Mode == settings.SplitBypass })
	prog := filepath.Join(t.TempDir(), "backup-tool")
	if err := os.WriteFile(prog, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if !p.empty.Visible() || !strings.HasPrefix(p.empty.Text, "No programs yet") {
		t.Errorf("an empty program list says %q (shown %v)", p.empty.Text, p.empty.Visible())
	}
	p.addPath(prog)
	h.until("program saved", func() bool { return slices.Contains(h.fake.Settings().Split.Programs, prog) })
	h.until("list shown", func() bool { return len(p.cur.Programs) == 1 })
	if p.empty.Visible() {
		t.Error("the empty list's note stays with a program listed")
	}
	if h.fake.Settings().KillSwitch != settings.Default().KillSwitch {
		t.Error("the split tab changed other settings")
	}
	p.list.Select(0)
	if p.remove.Disabled() {
		t.Fatal("remove disabled with a program selected")
	}
	p.remove.OnTapped()
	h.until("program removed", func() bool { return len(h.fake.Settings().Split.Programs) == 0 })
	h.until("the empty list's note back", func() bool { return p.empty.Visible() })
	p.dns.SetChecked(false)
	h.until("bypass DNS through the tunnel saved", func() bool { return h.fake.Settings().Split.TunnelDNS })

	st := fakeservice.Connected()
	st.SplitUnavailable = "it needs a network extension"
	h.g.apply(st, fakeservice.T0)
	h.settle()
	if !p.mode.Disabled() || !p.add.Disabled() || !strings.Contains(p.note.Text, "it needs a network extension") || !p.note.Visible() {
		t.Errorf("unavailable: mode disabled %v, add disabled %v, note %q", p.mode.Disabled(), p.add.Disabled(), p.note.Text)
	}
}

// TestSettingsTabKeepsSplit: saving the Settings tab keeps a split tunnel
// list changed elsewhere (the CLI) after the tab was loaded.
func TestSettingsTabKeepsSplit(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	h.g.apply(fakeservice.Connected(), fakeservice.T0)
	h.until("settings loaded", func() bool { return h.g.settings.loaded })
	h.settle()
	s := h.fake.Settings()
	s.Split = settings.Split{Mode: settings.SplitBypass, Programs: []string{"/usr/bin/steam"}}
	// What `palisade split add` sends, straight to the service.
	if _, err := h.g.client.SetSettings(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	h.g.settings.lan.SetChecked(!h.g.settings.lan.Checked)
	h.g.settings.submit()
	h.until("settings saved", func() bool { return h.fake.Settings().AllowLAN != s.AllowLAN })
	if got := h.fake.Settings().Split; got.Mode != settings.SplitBypass || len(got.Programs) != 1 {
		t.Errorf("the Settings tab undid the split tunnel: %+v", got)
	}
}

func TestStatusShowsSplitRow(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	row := func() (string, bool) {
		val := h.g.status.fields["Split tunnel"]
		if val.Visible() != h.g.status.splitKey.Visible() {
			t.Errorf("split row: value shown %v, name shown %v", val.Visible(), h.g.status.splitKey.Visible())
		}
		return val.Text, val.Visible()
	}
	h.g.apply(fakeservice.Connected(), fakeservice.T0)
	if text, shown := row(); shown {
		t.Errorf("split row %q shown while off", text)
	}
	st := fakeservice.Connected()
	st.Split, st.SplitPrograms = settings.SplitBypass, 3
	h.g.apply(st, fakeservice.T0.Add(time.Second))
	if text, shown := row(); !shown || text != "bypass · 3 programs" {
		t.Errorf("split row %q shown %v, want bypass · 3 programs", text, shown)
	}
	st.Split, st.SplitPrograms = settings.SplitVPNOnly, 1
	h.g.apply(st, fakeservice.T0.Add(2*time.Second))
	if text, _ := row(); text != "vpn-only · 1 program" {
		t.Errorf("split row %q, want vpn-only · 1 program", text)
	}
	h.g.apply(fakeservice.Connected(), fakeservice.T0.Add(3*time.Second))
	if text, shown := row(); shown {
		t.Errorf("split row %q still shown after turning it off", text)
	}
}
