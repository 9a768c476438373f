package app

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func customSettings() settings.Settings {
	s := settings.Default()
	s.DNS = settings.DNS{Mode: settings.DNSCustom, Custom: []string{"1.1.1.1", "2606:4700:4700::1111"}}
	s.LaunchAtLogin = false
	return s
}

func loadedSettings(t *testing.T) (*harness, *settingsPane) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, customSettings())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	p := h.g.settings
	h.until("settings loaded", func() bool { return p.loaded })
	return h, p
}

func TestSettingsValidateAsYouType(t *testing.T) {
	_, p := loadedSettings(t)
	if got := p.servers.entries(); !slices.Equal(got, []string{"1.1.1.1", "2606:4700:4700::1111"}) {
		t.Fatalf("entries = %q", got)
	}
	if !p.save.Disabled() {
		t.Error("save enabled with nothing changed")
	}
	test.Tap(p.servers.add)
	test.Type(p.servers.boxes[2], "1.1.1.300")
	if !p.save.Disabled() || !p.servers.errs[2].Visible() || !strings.Contains(p.servers.errs[2].Text, "1.1.1.300") {
		t.Errorf("invalid entry: save disabled %v, mark %q", p.save.Disabled(), p.servers.errs[2].Text)
	}
	if p.servers.boxes[0].Validate() != nil || p.servers.errs[0].Visible() {
		t.Error("valid entry marked")
	}
	p.servers.boxes[2].SetText("9.9.9.9")
	if p.save.Disabled() || p.servers.errs[2].Visible() {
		t.Errorf("fixed entry: save disabled %v, mark %q", p.save.Disabled(), p.servers.errs[2].Text)
	}
	test.Tap(p.servers.add)
	if !p.servers.add.Disabled() || len(p.servers.boxes) != settings.MaxCustomDNS {
		t.Errorf("add enabled at %d servers", len(p.servers.boxes))
	}
	p.servers.boxes[3].SetText("1.1.1.1")
	if !p.save.Disabled() || !strings.Contains(p.servers.errs[3].Text, "already") {
		t.Errorf("duplicate not marked: %q", p.servers.errs[3].Text)
	}
}

func TestSettingsSaveAndRefusal(t *testing.T) {
	h, p := loadedSettings(t)
	p.kill.SetSelected(killSwitchOptions[2])
	p.dns.SetSelected(dnsOptions[0])
	if p.servers.root.Visible() {
		t.Error("custom list shown in tunnel mode")
	}
	test.Tap(p.save)
	h.until("saved", func() bool { return p.message.Text == "Saved." })
	if got := h.fake.Settings(); got.KillSwitch != settings.KillSwitchAlways || got.DNS.Mode != settings.DNSTunnel {
		t.Errorf("service got %+v", got)
	}

	h.fake.Refuse(http.MethodPut, ipc.PathSettings, http.StatusBadRequest, "kill switch cannot be changed while connecting")
	p.lan.SetChecked(false)
	test.Tap(p.save)
	h.until("refusal", func() bool { return strings.HasPrefix(p.message.Text, "Not saved") })
	if !strings.Contains(p.message.Text, "Kill switch cannot be changed while connecting.") {
		t.Errorf("message = %q", p.message.Text)
	}
	if p.lan.Checked || p.save.Disabled() {
		t.Error("the refused edit was lost")
	}
}

func TestSettingsLaunchAtLogin(t *testing.T) {
	h, p := loadedSettings(t)
	p.login.SetChecked(true)
	test.Tap(p.save)
	h.until("saved", func() bool { return p.message.Text != "" })
	if on, err := LaunchAtLogin(); err != nil || !on || !h.fake.Settings().LaunchAtLogin {
		t.Errorf("launch at login = %v %v, service %v; message %q", on, err, h.fake.Settings().LaunchAtLogin, p.message.Text)
	}
}

func TestSettingsReconnectOnStart(t *testing.T) {
	h, p := loadedSettings(t)
	if !p.reconnect.Checked || p.reconnect.Text != "Reconnect when the service starts (after a reboot)" {
		t.Fatalf("reconnect on start shows %v %q; the service has it on", p.reconnect.Checked, p.reconnect.Text)
	}
	test.Tap(p.reconnect)
	if p.save.Disabled() {
		t.Fatal("turning reconnect on start off left Save disabled")
	}
	test.Tap(p.save)
	h.until("saved", func() bool { return p.message.Text == "Saved." })
	if got := h.fake.Settings(); got.ReconnectOnStart || got.DNS.Mode != settings.DNSCustom {
		t.Errorf("service got %+v", got)
	}
	p.g.apply(ipc.Status{State: ipc.Connected, CanControl: false}, fakeservice.T0)
	if !p.reconnect.Disabled() {
		t.Error("reconnect on start editable without control")
	}
}
