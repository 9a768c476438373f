package service

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func waitState(t *testing.T, m *Manager, want ipc.State) ipc.Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := m.Status()
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %s, want %s (last error %q)", st.State, want, st.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConnectDisconnectArmsAuto(t *testing.T) {
	m, r := testManager(t, true)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, m, ipc.Connected)
	if st.Endpoint != "[2001:db8::7]:51820" || st.EndpointFamily != "IPv6" {
		t.Errorf("endpoint %q (%s): a dual-stack host tries a name's IPv6 address first", st.Endpoint, st.EndpointFamily)
	}
	if !st.KillSwitchEngaged || !m.armed {
		t.Errorf("auto kill switch not engaged after connecting: %+v", st)
	}
	if !st.TunnelIPv6 || len(st.Addresses) != 2 {
		t.Errorf("dual-stack tunnel not reported: %+v", st)
	}
	m.Disconnect()
	st = m.Status()
	if st.State != ipc.Disconnected || st.KillSwitchEngaged || m.armed {
		t.Errorf("after user disconnect: %+v armed=%v", st, m.armed)
	}
	if r.down < 2 || len(r.ups) != 1 {
		t.Errorf("router up %d times, down %d times", len(r.ups), r.down)
	}
}

func TestNoHandshakeErrorsAndStaysBlocked(t *testing.T) {
	m, _ := testManager(t, false)
	if _, err := m.SetSettings(withKillSwitch(m.Settings(), settings.KillSwitchAlways)); err != nil {
		t.Fatal(err)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Error)
	if st.Retry == nil || st.LastError == "" || !st.KillSwitchEngaged {
		t.Errorf("error state: %+v", st)
	}
	// Disconnected with always: still engaged.
	m.Disconnect()
	if st := m.Status(); !st.KillSwitchEngaged {
		t.Errorf("always mode not engaged while disconnected: %+v", st)
	}
}

func TestIPv6SettingOffDropsIPv6(t *testing.T) {
	m, r := testManager(t, true)
	s := m.Settings()
	s.IPv6 = false
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Connected)
	if st.TunnelIPv6 || len(st.Addresses) != 1 {
		t.Errorf("IPv6 off but tunnel carries IPv6: %+v", st)
	}
	if !st.IPv6Blocked || st.Routing != "full IPv4 tunnel, IPv6 blocked" {
		t.Errorf("IPv6 off beside a full IPv4 tunnel: blocked %v, routing %q", st.IPv6Blocked, st.Routing)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.ups[0].AllowedIPs {
		if a.Addr().Is6() {
			t.Errorf("IPv6 allowed IP %s routed with IPv6 off", a)
		}
	}
}

func TestInvalidSettingsKeepOld(t *testing.T) {
	m, _ := testManager(t, true)
	bad := m.Settings()
	bad.DNS = settings.DNS{Mode: settings.DNSCustom, Custom: []string{"1.1.1.1", "not-an-address"}}
	if _, err := m.SetSettings(bad); err == nil {
		t.Fatal("invalid DNS accepted")
	}
	if got := m.Settings().DNS.Mode; got != settings.DNSTunnel {
		t.Fatalf("previous setting lost: %s", got)
	}
}

func TestConnectUnknownProfile(t *testing.T) {
	m, _ := testManager(t, true)
	if err := m.Connect("nope"); err == nil {
		t.Fatal("connect to a missing profile succeeded")
	}
	if err := m.Connect(""); err == nil {
		t.Fatal("connect without any profile succeeded")
	}
}

func withKillSwitch(s settings.Settings, k settings.KillSwitch) settings.Settings {
	s.KillSwitch = k
	return s
}
