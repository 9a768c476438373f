package app

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestMenuModelFromState(t *testing.T) {
	m := NewMenuModel(NewView(connected(), t0), profiles())
	want := []string{"Connected · work", "IPv4 10.64.0.2/32", "IPv6 fd64::2/128"}
	if strings.Join(m.Status, "|") != strings.Join(want, "|") {
		t.Errorf("status = %q, want %q", m.Status, want)
	}
	if m.ActionLabel != "Disconnect" || !m.ActionEnabled || !m.ProfilesEnabled {
		t.Errorf("action %q enabled %v profiles %v", m.ActionLabel, m.ActionEnabled, m.ProfilesEnabled)
	}
	if len(m.Profiles) != 2 || m.Profiles[0].Current || !m.Profiles[1].Current {
		t.Errorf("profiles = %+v", m.Profiles)
	}

	d := NewMenuModel(NewView(ipc.Status{State: ipc.Disconnected, CanControl: true}, t0), profiles())
	if d.ActionLabel != "Connect" || len(d.Status) != 1 || !d.Profiles[1].Current {
		t.Errorf("disconnected menu = %+v", d)
	}
	down := NewMenuModel(ServiceDownView(ipc.ErrUnreachable, "linux"), nil)
	if down.ActionEnabled || down.ProfilesEnabled || len(down.Status) != 2 {
		t.Errorf("service-down menu = %+v", down)
	}
}

func TestMenuModelIgnoresCounters(t *testing.T) {
	a := connected()
	b := connected()
	b.RxBytes += 12345
	later := t0.Add(40 * time.Second)
	b.LastHandshake = &later
	if !NewMenuModel(NewView(a, t0), profiles()).Equal(NewMenuModel(NewView(b, later), profiles())) {
		t.Error("menu changes with byte counters or handshake age")
	}
	b.State = ipc.Reconnecting
	if NewMenuModel(NewView(a, t0), profiles()).Equal(NewMenuModel(NewView(b, t0), profiles())) {
		t.Error("menu does not change with the state")
	}
}

func TestCheckDNS(t *testing.T) {
	c := CheckDNS([]string{"1.1.1.1", "2606:4700:4700::1111", "1.1.1.300", "", "1.1.1.1"}, settings.DNSCustom)
	if c.OK() {
		t.Fatal("invalid list accepted")
	}
	if c.Errors[0] != "" || c.Errors[1] != "" || c.Errors[3] != "" {
		t.Errorf("valid entries marked: %q", c.Errors)
	}
	if !strings.Contains(c.Errors[2], "1.1.1.300") || !strings.Contains(c.Errors[4], "already entry 1") {
		t.Errorf("errors = %q", c.Errors)
	}
	ok := CheckDNS([]string{" 2606:4700:4700::1111 ", "9.9.9.9"}, settings.DNSCustom)
	if !ok.OK() || strings.Join(ok.Servers, ",") != "2606:4700:4700::1111,9.9.9.9" {
		t.Errorf("valid list: %+v", ok)
	}
	for _, bad := range []string{"fe80::1%eth0", "::", "ff02::1", "0.0.0.0", "dns.google"} {
		if CheckDNS([]string{bad}, settings.DNSCustom).OK() {
			t.Errorf("%q accepted", bad)
		}
	}
	if CheckDNS([]string{""}, settings.DNSCustom).OK() {
		t.Error("custom mode without servers accepted")
	}
	if !CheckDNS(nil, settings.DNSTunnel).OK() {
		t.Error("tunnel mode without custom servers refused")
	}
	if CheckDNS([]string{"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "::1"}, settings.DNSCustom).OK() {
		t.Error("five servers accepted")
	}
}

func TestRateMeter(t *testing.T) {
	var m RateMeter
	if _, _, ok := m.Sample(t0, 1000, 500); ok {
		t.Error("first sample gave a rate")
	}
	rx, tx, ok := m.Sample(t0.Add(2*time.Second), 5000, 2500)
	if !ok || rx != 2000 || tx != 1000 {
		t.Errorf("rates = %v %v %v, want 2000 1000", rx, tx, ok)
	}
	if _, _, ok := m.Sample(t0.Add(2100*time.Millisecond), 6000, 2600); ok {
		t.Error("samples 100 ms apart gave a rate")
	}
	if _, _, ok := m.Sample(t0.Add(4*time.Second), 10, 10); ok {
		t.Error("counters going backwards gave a rate")
	}
	rx, _, ok = m.Sample(t0.Add(5*time.Second), 1010, 10)
	if !ok || rx != 1000 {
		t.Errorf("after reset rx = %v %v", rx, ok)
	}
}

func TestFormatRate(t *testing.T) {
	cases := map[float64]string{0: "< 1 kB/s", 32: "< 1 kB/s", 999: "< 1 kB/s", 1000: "1.0 kB/s", 1500: "1.5 kB/s",
		250e3: "250 kB/s", 12.34e6: "12.3 MB/s", 3e9: "3.0 GB/s"}
	for in, want := range cases {
		if got := FormatRate(in); got != want {
			t.Errorf("FormatRate(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	cases := map[uint64]string{0: "< 1 kB", 999: "< 1 kB", 1000: "1 kB", 12_345: "12 kB", 12_377: "12 kB",
		999_999: "999 kB", 1_000_000: "1.0 MB", 48 << 20: "50.3 MB", 3_000_000_000: "3.0 GB"}
	for in, want := range cases {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestNoteFor(t *testing.T) {
	dis := ipc.Status{State: ipc.Disconnected}
	con := connected()
	errSt := ipc.Status{State: ipc.Error, LastError: "handshake timed out"}
	cases := []struct {
		prev, cur ipc.Status
		title     string
	}{
		{dis, con, "Connected to work"},
		{con, dis, "Disconnected"},
		{con, errSt, "VPN connection failed"},
		{con, con, ""},
		{ipc.Status{State: ipc.Reconnecting}, con, ""},
		{ipc.Status{State: ipc.Connecting}, dis, ""},
		{errSt, ipc.Status{State: ipc.Error, LastError: "resolve failed"}, "VPN connection failed"},
		{errSt, errSt, ""},
	}
	for _, c := range cases {
		n, ok := NoteFor(c.prev, c.cur)
		if ok != (c.title != "") || n.Title != c.title {
			t.Errorf("%s → %s: %q %v, want %q", c.prev.State, c.cur.State, n.Title, ok, c.title)
		}
	}
	n, _ := NoteFor(dis, con)
	if n.Body != "IPv4 10.64.0.2/32 · IPv6 fd64::2/128" {
		t.Errorf("body = %q", n.Body)
	}
}
