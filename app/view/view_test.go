package view

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestNewViewConnectedDualStack(t *testing.T) {
	v := NewView(fakeservice.Connected(), fakeservice.T0)
	checks := map[string][2]string{
		"state":     {v.State, "Connected"},
		"profile":   {v.Profile, "work"},
		"endpoint":  {v.Endpoint, "198.51.100.2:51820"},
		"ipv4":      {v.IPv4, "10.64.0.2/32"},
		"ipv6":      {v.IPv6, "fd64::2/128"},
		"handshake": {v.Handshake, "under a minute ago"},
		"dns":       {v.DNS, "Tunnel · 10.64.0.1, fd64::1"},
		"button":    {v.ActionLabel, "Disconnect"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if v.Tone != ToneGood || v.Icon != IconConnected || v.Action != ActionDisconnect || !v.ActionEnable {
		t.Errorf("tone/icon/action = %v/%v/%v/%v", v.Tone, v.Icon, v.Action, v.ActionEnable)
	}
	if !strings.HasPrefix(v.KillSwitch, "Auto · engaged") {
		t.Errorf("kill switch = %q", v.KillSwitch)
	}
	if !v.CanControl() || v.Problem.Text() != "" {
		t.Errorf("can control %v, problem %q", v.CanControl(), v.Problem.Text())
	}
}

func TestNewViewIPv6EndpointAndNoTunnelIPv6(t *testing.T) {
	st := fakeservice.Connected()
	st.Endpoint = "[2001:db8::1]:51820"
	st.Addresses = []string{"10.64.0.2/32"}
	st.TunnelIPv6, st.IPv6Blocked = false, true
	v := NewView(st, fakeservice.T0)
	if v.Endpoint != "[2001:db8::1]:51820" {
		t.Errorf("endpoint = %q", v.Endpoint)
	}
	if v.IPv4 != "10.64.0.2/32" || !strings.HasPrefix(v.IPv6, "blocked") {
		t.Errorf("ipv4 %q ipv6 %q", v.IPv4, v.IPv6)
	}
	// On an IPv6-only network the endpoint says how it is reached.
	st.Endpoint, st.EndpointFamily, st.EndpointNAT64 = "[64:ff9b::c633:6402]:51820", "IPv6", "64:ff9b::/96"
	if v := NewView(st, fakeservice.T0); v.Endpoint != "[64:ff9b::c633:6402]:51820 (IPv6, via NAT64 64:ff9b::/96)" {
		t.Errorf("endpoint through NAT64 = %q", v.Endpoint)
	}
	// The mirror: an IPv6-only tunnel blocks IPv4.
	st.Addresses, st.IPv6Blocked, st.IPv4Blocked = []string{"fd64::2/128"}, false, true
	if v := NewView(st, fakeservice.T0); !strings.HasPrefix(v.IPv4, "blocked") || v.IPv6 != "fd64::2/128" {
		t.Errorf("IPv6-only tunnel: ipv4 %q ipv6 %q", v.IPv4, v.IPv6)
	}
	st.Addresses, st.IPv4Blocked = []string{"10.64.0.2/32"}, false
	// A split tunnel without IPv6 leaves IPv6 alone: not "blocked".
	st.IPv6Blocked = false
	if v := NewView(st, fakeservice.T0); strings.HasPrefix(v.IPv6, "blocked") {
		t.Errorf("split tunnel shows IPv6 %q", v.IPv6)
	}
}

func TestNewViewStates(t *testing.T) {
	cases := []struct {
		state   ipc.State
		engaged bool
		tone    Tone
		icon    Icon
		action  Action
	}{
		{ipc.Disconnected, false, ToneNeutral, IconDisconnected, ActionConnect},
		{ipc.Disconnected, true, ToneBad, IconError, ActionConnect},
		{ipc.Connecting, false, ToneBusy, IconConnecting, ActionDisconnect},
		{ipc.Reconnecting, true, ToneBusy, IconConnecting, ActionDisconnect},
		{ipc.Disconnecting, false, ToneBusy, IconConnecting, ActionNone},
		{ipc.Error, true, ToneBad, IconError, ActionDisconnect},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.state, c.engaged), func(t *testing.T) {
			st := ipc.Status{State: c.state, KillSwitch: settings.KillSwitchAlways, KillSwitchEngaged: c.engaged, CanControl: true}
			v := NewView(st, fakeservice.T0)
			if v.Tone != c.tone || v.Icon != c.icon || v.Action != c.action {
				t.Errorf("got tone %v icon %v action %v", v.Tone, v.Icon, v.Action)
			}
			if c.state == ipc.Disconnected && v.Handshake != None {
				t.Errorf("handshake %q while disconnected", v.Handshake)
			}
			if c.icon == IconError && c.state == ipc.Disconnected && v.Problem.Summary == "" {
				t.Error("blocked while disconnected is not explained")
			}
		})
	}
}

func TestNewViewWithoutControl(t *testing.T) {
	st := fakeservice.Connected()
	st.CanControl = false
	v := NewView(st, fakeservice.T0)
	if v.CanControl() || v.ActionEnable || !strings.Contains(v.ControlNote, "palisade group") {
		t.Errorf("can control %v, enabled %v, note %q", v.CanControl(), v.ActionEnable, v.ControlNote)
	}
}

func TestNewViewErrorExplained(t *testing.T) {
	st := ipc.Status{State: ipc.Error, LastError: "no handshake with peer after 5 attempts", KillSwitch: settings.KillSwitchAuto, KillSwitchEngaged: true}
	v := NewView(st, fakeservice.T0)
	if !strings.HasPrefix(v.Problem.Summary, "No handshake") || !strings.Contains(v.Problem.Action, "server is up") || !strings.Contains(v.Problem.Action, "blocked by the kill switch") {
		t.Errorf("problem = %+v", v.Problem)
	}
}

func TestServiceDownView(t *testing.T) {
	err := fmt.Errorf("%w at /run/x.sock: connection refused", ipc.ErrUnreachable)
	v := ServiceDownView(err, "linux")
	if v.ServiceUp || v.CanControl() || v.Icon != IconError {
		t.Errorf("service down view allows control or has icon %v", v.Icon)
	}
	if !strings.Contains(v.Problem.Action, "sudo systemctl start palisaded") || !strings.Contains(v.Problem.Action, "palisaded install") {
		t.Errorf("action = %q", v.Problem.Action)
	}
}

func TestExplain(t *testing.T) {
	cases := []struct {
		err     error
		summary string
		action  string
	}{
		{&ipc.APIError{Status: 403, Message: "forbidden"}, "not allowed", "palisade group"},
		{&ipc.APIError{Status: 400, Message: "custom DNS: invalid DNS server \"x\""}, "Custom DNS: invalid", ""},
		{fmt.Errorf("%w: dial", ipc.ErrUnreachable), "not running", "Services"},
		{errors.New("boom"), "Boom.", ""},
	}
	for _, c := range cases {
		p := Explain(c.err, "windows")
		if !strings.Contains(p.Summary, c.summary) || !strings.Contains(p.Action, c.action) {
			t.Errorf("Explain(%v) = %+v", c.err, p)
		}
	}
}

func TestAgo(t *testing.T) {
	cases := map[time.Duration]string{
		time.Second: "under a minute ago", 59 * time.Second: "under a minute ago", time.Minute: "1 min ago",
		119 * time.Second: "1 min ago", 3 * time.Minute: "3 min ago",
		5 * time.Hour: "5 h ago", 72 * time.Hour: "3 days ago",
	}
	for d, want := range cases {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

// While the service looks the endpoint name up, the window says so; a name
// that does not resolve is explained with what to check.
func TestNewViewResolving(t *testing.T) {
	v := NewView(ipc.Status{State: ipc.Connecting, Resolving: "vpn.example.net", KillSwitchEngaged: true}, fakeservice.T0)
	if v.State != "Resolving vpn.example.net…" || v.Icon != IconConnecting {
		t.Errorf("resolving: state %q, icon %v", v.State, v.Icon)
	}
	if v := NewView(ipc.Status{State: ipc.Connecting}, fakeservice.T0); strings.Contains(v.State, "Resolving") {
		t.Errorf("not resolving: state %q", v.State)
	}
	// The NAT64 discovery of an IPv6-only network is not the endpoint's name.
	if v := NewView(ipc.Status{State: ipc.Connecting, Resolving: "ipv4only.arpa"}, fakeservice.T0); v.State != "Discovering NAT64…" {
		t.Errorf("NAT64 discovery: state %q", v.State)
	}
	st := ipc.Status{State: ipc.Error, LastError: "resolve endpoint vpn.example.net: vpn.example.net does not exist (asked 192.168.50.1)"}
	v = NewView(st, fakeservice.T0)
	if !strings.Contains(v.Problem.Summary, "vpn.example.net does not exist") || !strings.Contains(v.Problem.Action, "host name") {
		t.Errorf("problem = %+v", v.Problem)
	}
}

// A tunnel up without the system DNS pointed at it stays Connected, and the
// problem line says why and what it means for names, per kill switch.
func TestNewViewDNSWarning(t *testing.T) {
	st := fakeservice.Connected()
	st.DNS.Warning = "system DNS not set: read-only file system"
	for _, engaged := range []bool{true, false} {
		st.KillSwitchEngaged = engaged
		v := NewView(st, fakeservice.T0)
		if v.State != "Connected" || v.Problem.Summary != "Connected, but system DNS not set: read-only file system." {
			t.Errorf("engaged %v: state %q, problem %+v", engaged, v.State, v.Problem)
		}
		if want := map[bool]string{true: "do not resolve", false: "outside the tunnel"}[engaged]; !strings.Contains(v.Problem.Action, want) {
			t.Errorf("engaged %v: action %q lacks %q", engaged, v.Problem.Action, want)
		}
	}
	st.DNS.Warning = ""
	if v := NewView(st, fakeservice.T0); v.Problem.Text() != "" {
		t.Errorf("problem without a warning: %+v", v.Problem)
	}
}
