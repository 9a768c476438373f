package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/settings"
)

// Kill switch and DNS choices, each explained in one line.
var (
	killSwitchOptions = []string{
		"Off: never block traffic, even if the tunnel drops",
		"Auto: block outside the tunnel from connect until you disconnect",
		"Always: block outside the tunnel at all times, even disconnected",
	}
	killSwitchValues = []settings.KillSwitch{settings.KillSwitchOff, settings.KillSwitchAuto, settings.KillSwitchAlways}

	dnsOptions = []string{
		"Tunnel: the profile's DNS servers, through the tunnel",
		"Custom: the servers listed below, IPv4 or IPv6",
		"Handshake: a resolver that also knows HNS names",
		"Existing: leave the system's DNS alone (may leak)",
	}
	dnsValues = []settings.DNSMode{settings.DNSTunnel, settings.DNSCustom, settings.DNSHandshake, settings.DNSExisting}
)

// settingsPane edits the service's settings.
type settingsPane struct {
	g    *GUI
	root fyne.CanvasObject

	base    settings.Settings
	loaded  bool
	filling bool
	control bool
	// controlSet tells whether control was applied to the widgets yet.
	controlSet bool
	kill       *widget.Select
	lan        *widget.Check
	ipv6       *widget.Check
	dns        *widget.Select
	servers    *dnsList
	login      *widget.Check
	reconnect  *widget.Check
	notes      *widget.Check
	outside    *widget.Check
	checkURL   *widget.Entry
	message    *widget.Label
	save       *widget.Button
	revert     *widget.Button
	controls   []fyne.Disableable
}

func newSettingsPane(g *GUI) *settingsPane {
	p := &settingsPane{g: g}
	p.kill = widget.NewSelect(killSwitchOptions, func(string) { p.changed() })
	p.lan = widget.NewCheck("Allow LAN: reach printers and other local devices while blocking", func(bool) { p.changed() })
	p.ipv6 = widget.NewCheck("IPv6 in the tunnel: when off, IPv6 is blocked instead", func(bool) { p.changed() })
	p.dns = widget.NewSelect(dnsOptions, func(string) { p.changed() })
	p.servers = newDNSList(p.changed)
	p.login = widget.NewCheck("Launch Palisade at login", func(bool) { p.changed() })
	// Worded as 'palisade help set' words reconnect-on-start.
	p.reconnect = widget.NewCheck("Reconnect when the service starts (after a reboot)", func(bool) { p.changed() })
	p.notes = widget.NewCheck("Notify on connect, disconnect and errors", func(bool) { p.changed() })
	p.message = widget.NewLabel("")
	p.message.Wrapping = fyne.TextWrapWord
	p.save = widget.NewButton("Save", p.submit)
	p.save.Importance = widget.HighImportance
	p.revert = widget.NewButton("Revert", func() { p.fill(p.base) })
	p.outside, p.checkURL = newCheckSettings(p.changed)
	p.controls = []fyne.Disableable{p.kill, p.lan, p.ipv6, p.dns, p.login, p.reconnect, p.notes, p.outside, p.checkURL}

	form := container.NewVBox(
		heading("Kill switch"), p.kill, p.lan, p.ipv6,
		widget.NewSeparator(),
		heading("DNS"), p.dns, p.servers.root,
		widget.NewSeparator(),
		heading("Desktop"), p.login, p.reconnect, p.notes,
		widget.NewSeparator(),
		heading("Self-check"), p.outside, p.checkURL,
	)
	buttons := container.NewBorder(nil, nil, nil, container.NewHBox(p.revert, p.save), p.message)
	p.root = container.NewBorder(nil, container.NewPadded(buttons), nil, nil,
		container.NewVScroll(container.NewPadded(form)))
	p.fill(settings.Default())
	return p
}

func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// load fetches the settings, unless the user is in the middle of editing.
func (p *settingsPane) load() {
	var s settings.Settings
	p.g.async(func(ctx context.Context) (err error) {
		s, err = p.g.client.Settings(ctx)
		return err
	}, func(err error) {
		if err != nil {
			p.setMessage(view.Explain(err, p.g.goos).Text(), true)
			return
		}
		if !p.loaded || !p.dirty() {
			p.loaded = true
			p.fill(s)
		}
	})
}

// fill shows s in the form and makes it the baseline for Revert.
func (p *settingsPane) fill(s settings.Settings) {
	p.filling = true
	p.base = s
	p.kill.SetSelected(optionFor(killSwitchOptions, killSwitchValues, s.KillSwitch))
	p.lan.SetChecked(s.AllowLAN)
	p.ipv6.SetChecked(s.IPv6)
	p.dns.SetSelected(optionFor(dnsOptions, dnsValues, s.DNS.Mode))
	p.servers.set(s.DNS.Custom)
	p.login.SetChecked(s.LaunchAtLogin)
	p.reconnect.SetChecked(s.ReconnectOnStart)
	p.notes.SetChecked(s.Notifications)
	p.outside.SetChecked(s.Check.Outside)
	p.checkURL.SetText(s.Check.URL)
	p.filling = false
	p.setMessage("", false)
	p.changed()
}

func optionFor[T comparable](options []string, values []T, v T) string {
	if i := slices.Index(values, v); i >= 0 {
		return options[i]
	}
	return ""
}

func valueFor[T comparable](options []string, values []T, o string, def T) T {
	if i := slices.Index(options, o); i >= 0 {
		return values[i]
	}
	return def
}

// edited is the form's content as settings.
func (p *settingsPane) edited() (settings.Settings, DNSCheck) {
	s := p.base
	s.KillSwitch = valueFor(killSwitchOptions, killSwitchValues, p.kill.Selected, s.KillSwitch)
	s.AllowLAN = p.lan.Checked
	s.IPv6 = p.ipv6.Checked
	s.DNS.Mode = valueFor(dnsOptions, dnsValues, p.dns.Selected, s.DNS.Mode)
	check := CheckDNS(p.servers.entries(), s.DNS.Mode)
	s.DNS.Custom = check.Servers
	s.LaunchAtLogin = p.login.Checked
	s.ReconnectOnStart = p.reconnect.Checked
	s.Notifications = p.notes.Checked
	s.Check = editedCheck(p.outside, p.checkURL)
	return s, check
}

func (p *settingsPane) dirty() bool {
	s, check := p.edited()
	return !check.OK() || !equalSettings(s, p.base)
}

func equalSettings(a, b settings.Settings) bool {
	return slices.Equal(a.DNS.Custom, b.DNS.Custom) && slices.Equal(a.DNS.Handshake, b.DNS.Handshake) &&
		a.KillSwitch == b.KillSwitch && a.AllowLAN == b.AllowLAN && a.IPv6 == b.IPv6 &&
		a.DNS.Mode == b.DNS.Mode && a.LaunchAtLogin == b.LaunchAtLogin &&
		a.Notifications == b.Notifications && a.ReconnectOnStart == b.ReconnectOnStart &&
		a.Check == b.Check
}

// changed re-validates the form after every edit.
func (p *settingsPane) changed() {
	if p.filling {
		return
	}
	s, check := p.edited()
	p.servers.show(s.DNS.Mode == settings.DNSCustom, check)
	dirty := !check.OK() || !equalSettings(s, p.base)
	enable(p.save, p.control && dirty && check.OK() && s.Check.Validate() == nil)
	enable(p.revert, dirty)
}

// setControl enables the form only when the user may change settings.
// It runs on every status push, so it does nothing unless that changed.
func (p *settingsPane) setControl(v view.View) {
	if p.controlSet && p.control == v.CanControl() {
		return
	}
	p.control, p.controlSet = v.CanControl(), true
	for _, c := range p.controls {
		enable(c, p.control)
	}
	p.servers.setEnabled(p.control)
	p.changed()
}

// submit sends the settings; a refusal is shown and the edits kept.
func (p *settingsPane) submit() {
	s, check := p.edited()
	if !check.OK() {
		return
	}
	p.save.Disable()
	var saved settings.Settings
	p.g.async(func(ctx context.Context) (err error) {
		// The split tunnel has its own tab (and CLI): keep whatever the
		// service holds now rather than this form's older copy.
		cur, err := p.g.client.Settings(ctx)
		if err != nil {
			return err
		}
		s.Split = cur.Split
		saved, err = p.g.client.SetSettings(ctx, s)
		return err
	}, func(err error) {
		if err != nil {
			p.setMessage("Not saved: "+view.Explain(err, p.g.goos).Text(), true)
			p.changed()
			return
		}
		msg := "Saved."
		if saved.LaunchAtLogin != p.base.LaunchAtLogin {
			if lerr := applyLaunchAtLogin(saved.LaunchAtLogin); lerr != nil {
				msg = "Saved, but launch at login could not be changed: " + lerr.Error()
			}
		}
		p.fill(saved)
		p.setMessage(msg, msg != "Saved.")
	})
}

// applyLaunchAtLogin turns starting at login on or off. What starts is the
// tray, the program beside this window's (as the packages install them),
// not the window.
func applyLaunchAtLogin(on bool) error {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return err
	}
	tray := view.Sibling(exe, view.TrayProgram, runtime.GOOS)
	err = SetLaunchAtLogin(on, tray)
	slog.Info("launch at login changed", "on", on, "program", tray, "err", err)
	return err
}

func (p *settingsPane) setMessage(s string, bad bool) {
	p.message.Importance = widget.MediumImportance
	if bad {
		p.message.Importance = widget.DangerImportance
	}
	p.message.SetText(s)
}

func enable(d fyne.Disableable, on bool) {
	if on {
		d.Enable()
	} else {
		d.Disable()
	}
}
