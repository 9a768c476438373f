// Package view decides what Palisade's tray and window show, without Fyne:
// a service status becomes a View (words, a tone, a tray icon, the action
// offered), a tray MenuModel, a notification, or a Problem in plain words.
// The tray process links it without Fyne's code or GL; the window renders
// the same values with Fyne widgets.
package view

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// Tone is the colour family a state is shown in.
type Tone int

// Tones, from calm to alarming.
const (
	ToneNeutral Tone = iota
	ToneBusy
	ToneGood
	ToneBad
)

// Icon names the tray icon for a state group.
type Icon int

// Tray icons.
const (
	IconDisconnected Icon = iota
	IconConnecting
	IconConnected
	IconError
)

// Action is what the big button and the tray's first item do.
type Action int

// Actions.
const (
	ActionNone Action = iota
	ActionConnect
	ActionDisconnect
)

// None is shown for an empty field.
const None = "—"

// View is everything the window and the tray show, in words.
type View struct {
	ServiceUp  bool
	State      string
	Tone       Tone
	Icon       Icon
	Profile    string
	Endpoint   string
	IPv4       string
	IPv6       string
	Handshake  string
	KillSwitch string
	// Split is the split tunnel's mode and program count; empty when off.
	Split   string
	DNS     string
	Problem Problem

	Action       Action
	ActionLabel  string
	ActionEnable bool
	// ControlNote says why the controls are disabled, if they are.
	ControlNote string
	// WayOut explains, while the service is down and its kill switch still
	// blocks, since when and why and how to get back online; empty
	// otherwise (KeptBlockView).
	WayOut string
}

// CanControl reports whether the user may change the tunnel and settings.
func (v View) CanControl() bool { return v.ServiceUp && v.ControlNote == "" }

var stateNames = map[ipc.State]string{
	ipc.Disconnected:  "Disconnected",
	ipc.Connecting:    "Connecting…",
	ipc.Connected:     "Connected",
	ipc.Reconnecting:  "Reconnecting…",
	ipc.Disconnecting: "Disconnecting…",
	ipc.Error:         "Connection failed",
}

// NewView describes a status received from the service at now.
func NewView(st ipc.Status, now time.Time) View {
	v := View{
		ServiceUp:  true,
		State:      stateNames[st.State],
		Profile:    OrNone(st.Profile),
		Endpoint:   OrNone(st.EndpointText()),
		IPv4:       None,
		IPv6:       None,
		Handshake:  handshakeAge(st.LastHandshake, now),
		KillSwitch: killSwitchText(st.KillSwitch, st.KillSwitchEngaged),
		Split:      SplitText(st.Split, st.SplitPrograms),
		DNS:        dnsText(st.DNS),
		Problem:    ExplainStatus(st.LastError, st.KillSwitchEngaged),
	}
	if v.State == "" {
		v.State = string(st.State)
	}
	if r := st.ResolvingText(); r != "" {
		v.State = strings.ToUpper(r[:1]) + r[1:] + "…"
	}
	if st.State == ipc.Disconnected && st.LastHandshake == nil {
		v.Handshake = None
	}
	v.IPv4, v.IPv6 = splitFamilies(st.Addresses)
	if st.State == ipc.Connected && st.IPv6Blocked {
		v.IPv6 = "blocked (the tunnel carries no IPv6)"
	}
	if st.State == ipc.Connected && st.IPv4Blocked {
		v.IPv4 = "blocked (the tunnel carries no IPv4)"
	}
	v.Tone, v.Icon = look(st)
	if v.Icon == IconError && st.State == ipc.Disconnected {
		v.State = "Disconnected, traffic blocked"
		v.Problem = Problem{
			Summary: "The kill switch blocks all traffic while disconnected.",
			Action:  "Connect, or set the kill switch to Auto or Off in Settings.",
		}
	}
	if st.State == ipc.Connected && st.DNS.Warning != "" && v.Problem.Summary == "" {
		v.Problem = dnsWarningProblem(st.DNS.Warning, st.KillSwitchEngaged)
	}
	v.Action, v.ActionLabel, v.ActionEnable = action(st.State)
	if !st.CanControl {
		v.ControlNote = "You can see the status but not change it. " + adminHint
		v.ActionEnable = false
	}
	return v
}

// ServiceDownView describes the service being unreachable (or refusing us).
func ServiceDownView(err error, goos string) View {
	return View{
		State:       "Service not running",
		Tone:        ToneBad,
		Icon:        IconError,
		Profile:     None,
		Endpoint:    None,
		IPv4:        None,
		IPv6:        None,
		Handshake:   None,
		KillSwitch:  None,
		DNS:         None,
		Problem:     Explain(err, goos),
		ActionLabel: "Connect",
		ControlNote: "The controls come back by themselves when the service is reachable again.",
	}
}

// WaitingView is shown until the service first answers.
func WaitingView() View {
	v := ServiceDownView(nil, "")
	v.State, v.Tone, v.Icon = "Contacting the service…", ToneBusy, IconDisconnected
	v.ControlNote = ""
	return v
}

func look(st ipc.Status) (Tone, Icon) {
	switch st.State {
	case ipc.Connected:
		return ToneGood, IconConnected
	case ipc.Connecting, ipc.Reconnecting, ipc.Disconnecting:
		return ToneBusy, IconConnecting
	case ipc.Error:
		return ToneBad, IconError
	}
	if st.KillSwitchEngaged {
		return ToneBad, IconError
	}
	return ToneNeutral, IconDisconnected
}

func action(s ipc.State) (Action, string, bool) {
	switch s {
	case ipc.Disconnected:
		return ActionConnect, "Connect", true
	case ipc.Connected:
		return ActionDisconnect, "Disconnect", true
	case ipc.Disconnecting:
		return ActionNone, "Disconnecting…", false
	}
	// Connecting, reconnecting and error all stop trying on a click; in the
	// error state that also releases an auto kill switch.
	return ActionDisconnect, "Cancel", true
}

// splitFamilies splits CIDR addresses into IPv4 and IPv6 lists.
func splitFamilies(addrs []string) (v4, v6 string) {
	var four, six []string
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			if ad, aerr := netip.ParseAddr(a); aerr == nil {
				p = netip.PrefixFrom(ad, ad.BitLen())
			} else {
				continue
			}
		}
		if p.Addr().Unmap().Is4() {
			four = append(four, p.String())
		} else {
			six = append(six, p.String())
		}
	}
	return OrNone(strings.Join(four, ", ")), OrNone(strings.Join(six, ", "))
}

func handshakeAge(at *time.Time, now time.Time) string {
	if at == nil || at.IsZero() {
		return "no handshake yet"
	}
	return Ago(now.Sub(*at))
}

// Ago says how long ago something was, to the unit that matters: minutes
// from one minute up, and under a minute one text. Every change of the text
// redraws the whole window, and an idle tunnel's handshake (every two
// minutes) ticking through 10 s steps redrew it several times a minute to
// say nothing a user acts on: what matters is whether the last handshake is
// recent (WireGuard rekeys every two minutes and gives up on a session after
// three), which "under a minute ago" and "2 min ago" say.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

var killSwitchNames = map[settings.KillSwitch]string{
	settings.KillSwitchOff:    "Off",
	settings.KillSwitchAuto:   "Auto",
	settings.KillSwitchAlways: "Always",
}

func killSwitchText(k settings.KillSwitch, engaged bool) string {
	name, ok := killSwitchNames[k]
	if !ok {
		name = string(k)
	}
	if k == settings.KillSwitchOff {
		return name
	}
	if engaged {
		return name + " · engaged, blocking traffic outside the tunnel"
	}
	return name + " · not engaged"
}

var dnsModeNames = map[settings.DNSMode]string{
	settings.DNSTunnel:    "Tunnel",
	settings.DNSCustom:    "Custom",
	settings.DNSHandshake: "Handshake",
	settings.DNSExisting:  "Existing (system DNS left alone)",
}

func dnsText(d ipc.DNSStatus) string {
	name, ok := dnsModeNames[d.Mode]
	if !ok {
		name = OrNone(string(d.Mode))
	}
	if len(d.Upstreams) == 0 {
		return name
	}
	return name + " · " + strings.Join(d.Upstreams, ", ")
}

// OrNone is s, or None when s is empty.
func OrNone(s string) string {
	if s == "" {
		return None
	}
	return s
}
