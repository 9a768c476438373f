package service

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestStopKeepsBlock(t *testing.T) {
	kinds := []StopKind{StopPlain, StopRestart, StopSystem, StopUnknown}
	for _, mode := range []settings.KillSwitch{settings.KillSwitchOff, settings.KillSwitchAuto, settings.KillSwitchAlways} {
		for _, armed := range []bool{false, true} {
			for _, prepared := range []bool{false, true} {
				for _, kind := range kinds {
					want := mode == settings.KillSwitchAlways ||
						mode == settings.KillSwitchAuto && armed && (prepared || kind != StopPlain)
					keep, why := stopKeepsBlock(mode, armed, prepared, kind)
					if keep != want || why == "" {
						t.Errorf("mode %s armed %v prepared %v %s: keep %v (%q), want %v", mode, armed, prepared, kind, keep, why, want)
					}
				}
			}
		}
	}
}

func TestClassifySystemdStop(t *testing.T) {
	running := systemdStop{SystemState: "running", PID: 40, MainPID: 40, Restart: "always"}
	with := func(f func(*systemdStop)) systemdStop { q := running; f(&q); return q }
	for _, c := range []struct {
		name string
		q    systemdStop
		err  error
		want StopKind
	}{
		{"systemctl restart", with(func(q *systemdStop) { q.JobType = "restart" }), nil, StopRestart},
		{"systemctl try-restart", with(func(q *systemdStop) { q.JobType = "try-restart" }), nil, StopRestart},
		{"systemctl restart, degraded system", with(func(q *systemdStop) { q.JobType = "restart"; q.SystemState = "degraded" }), nil, StopRestart},
		{"systemctl stop", with(func(q *systemdStop) { q.JobType = "stop" }), nil, StopPlain},
		{"kill -TERM, Restart=always", running, nil, StopRestart},
		{"kill -TERM, Restart=no", with(func(q *systemdStop) { q.Restart = "no" }), nil, StopPlain},
		{"kill -TERM, Restart=on-failure", with(func(q *systemdStop) { q.Restart = "on-failure" }), nil, StopPlain},
		{"poweroff", with(func(q *systemdStop) { q.JobType = "stop"; q.SystemState = "stopping" }), nil, StopSystem},
		{"rescue mode", with(func(q *systemdStop) { q.JobType = "stop"; q.SystemState = "maintenance" }), nil, StopSystem},
		{"a login session's scope", systemdStop{SystemState: "running", PID: 40}, nil, StopPlain},
		{"another unit's main process", with(func(q *systemdStop) { q.JobType = "restart"; q.MainPID = 7 }), nil, StopPlain},
		{"bus unreachable", systemdStop{}, errors.New("dial unix /run/dbus/system_bus_socket: connect: no such file or directory"), StopUnknown},
	} {
		got, evidence := classifySystemdStop(c.q, c.err)
		if got != c.want || evidence == "" {
			t.Errorf("%s: %s (%q), want %s", c.name, got, evidence, c.want)
		}
	}
}

// stateFirewall tracks whether an engaged policy is installed.
type stateFirewall struct {
	mu      sync.Mutex
	engaged bool
}

func (f *stateFirewall) Apply(p firewall.Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.engaged = p.Engaged
	return nil
}

func (f *stateFirewall) Remove() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.engaged = false
	return nil
}

func (f *stateFirewall) Show() (string, error) { return fmt.Sprint(f.installed()), nil }

func (f *stateFirewall) installed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.engaged
}

// A stop of a connected service with kill switch auto keeps the block
// exactly where the service manager says the service comes back (or after
// prepare-restart), and a stop after the user disconnected never does.
func TestCloseKeepsBlockWhenComingBack(t *testing.T) {
	for _, c := range []struct {
		kind       StopKind
		prepared   bool
		disconnect bool
		want       bool
	}{
		{StopPlain, false, false, false},
		{StopPlain, true, false, true},
		{StopRestart, false, false, true},
		{StopSystem, false, false, true},
		{StopUnknown, false, false, true},
		{StopRestart, false, true, false},
		{StopSystem, true, true, false},
	} {
		name := fmt.Sprintf("%s/prepared=%v/disconnected=%v", c.kind, c.prepared, c.disconnect)
		t.Run(name, func(t *testing.T) {
			env, _ := testEnv(t, true)
			fw := &stateFirewall{}
			env.Firewall = fw
			asked := 0
			env.StopKind = func() (StopKind, string) { asked++; return c.kind, "test" }
			m, err := New(env)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Import("home", testProfile); err != nil {
				t.Fatal(err)
			}
			if err := m.Connect("home"); err != nil {
				t.Fatal(err)
			}
			waitState(t, m, ipc.Connected)
			if c.disconnect {
				m.Disconnect()
			}
			if c.prepared {
				if err := PrepareRestart(env.StateDir); err != nil {
					t.Fatal(err)
				}
			}
			m.Close()
			if got := fw.installed(); got != c.want || asked != 1 {
				t.Errorf("block installed after the stop: %v, want %v (stop kind asked %d times)", got, c.want, asked)
			}
			if takeRestartMarker(env.StateDir, time.Now()) {
				t.Error("the restart marker outlived the stop")
			}
			rec, found, err := keptblock.Read(env.StateDir)
			if err != nil || found != c.want {
				t.Fatalf("kept-block record found %v (%v), want %v", found, err, c.want)
			}
			if found && (rec.Stop != c.kind.String() || rec.Mode != "auto" || rec.Why == "" || rec.Rules == 0 ||
				!slices.Equal(rec.Families, []string{keptblock.IPv4, keptblock.IPv6})) {
				t.Errorf("record %+v: want stop %q, mode auto, a reason, rules and both families", rec, c.kind)
			}
			// The next start takes the block over (or lifts it): the
			// stopped run's record goes; a blocking start writes its own.
			m2, err := New(env)
			if err != nil {
				t.Fatal(err)
			}
			defer m2.Close()
			if rec, found, err := keptblock.Read(env.StateDir); err != nil || found && rec.Stop != keptblock.StopNone {
				t.Errorf("after the next start: record %+v (%v), want none or the new run's", rec, err)
			}
		})
	}
}

// The record's families follow the catch-all rejects of the policy left in
// place: both for an engaged policy, none for one that blocks nothing.
func TestKeptRecordFamilies(t *testing.T) {
	engaged := firewall.Compute(firewall.Input{State: firewall.TunnelState(ipc.Disconnected), Mode: firewall.ModeAlways, HostIPv6: true, AllowLAN: true})
	r := keptRecord(engaged, settings.Settings{KillSwitch: settings.KillSwitchAlways, AllowLAN: true}, StopPlain.String(), "kill switch always", time.Now())
	if !slices.Equal(r.Families, []string{keptblock.IPv4, keptblock.IPv6}) || !r.LAN || r.Rules != len(engaged.Output)+len(engaged.Input)+len(engaged.Forward) {
		t.Errorf("engaged: %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("engaged record invalid: %v", err)
	}
	only6 := []firewall.Rule{{Family: firewall.FamilyIPv6, Action: firewall.Reject, Reason: "x"}, {Family: firewall.FamilyIPv4, Dst: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, Action: firewall.Reject}}
	if got := blockedFamilies(only6); !slices.Equal(got, []string{keptblock.IPv6}) {
		t.Errorf("an IPv6 catch-all and a narrow IPv4 reject: %v, want ipv6 only", got)
	}
	if got := blockedFamilies(nil); got != nil {
		t.Errorf("no rules: %v", got)
	}
}
