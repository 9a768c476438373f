package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/settings"
)

// Every combination of the saved kill switch, the journal's armed flag and
// unreadable files: the early block is put up exactly for `always`, `auto`
// armed, and (failing closed) settings that cannot be read or, under
// `auto`, a journal that cannot be read; `off` never blocks.
func TestDecideBoot(t *testing.T) {
	bad := errors.New("parse: unexpected end of JSON input")
	for _, c := range []struct {
		mode        settings.KillSwitch
		sErr        error
		armed       bool
		jErr        error
		block, want bool // want: the policy's armed flag
	}{
		{settings.KillSwitchOff, nil, false, nil, false, false},
		{settings.KillSwitchOff, nil, true, nil, false, false},
		{settings.KillSwitchOff, nil, false, bad, false, false},
		{settings.KillSwitchAuto, nil, false, nil, false, false},
		{settings.KillSwitchAuto, nil, true, nil, true, true},
		{settings.KillSwitchAuto, nil, false, bad, true, true},
		{settings.KillSwitchAlways, nil, false, nil, true, false},
		{settings.KillSwitchAlways, nil, true, nil, true, true},
		{settings.KillSwitchAlways, nil, false, bad, true, false},
		{"", bad, false, nil, true, true},
		{"", bad, false, bad, true, true},
	} {
		s := settings.Default()
		s.KillSwitch = c.mode
		if c.sErr != nil {
			s = settings.Settings{}
		}
		d := decideBoot(s, c.sErr, c.armed, c.jErr)
		if d.block != c.block || d.why == "" {
			t.Errorf("%q (settings err %v), armed %v, journal err %v: block %v (%s), want %v", c.mode, c.sErr, c.armed, c.jErr, d.block, d.why, c.block)
			continue
		}
		if !d.block {
			continue
		}
		if d.armed != c.want {
			t.Errorf("%q armed %v journal err %v: policy armed %v, want %v", c.mode, c.armed, c.jErr, d.armed, c.want)
		}
		checkBootFamilies(t, d.policy(true), true)
		checkBootFamilies(t, d.policy(false), false)
	}
}

// checkBootFamilies checks a boot block: engaged, ending in a reject of
// everything whatever the family, with the LAN accepted (the defaults
// allow it) in IPv4 and, only on a host with IPv6, in IPv6.
func checkBootFamilies(t *testing.T, p firewall.Policy, hostIPv6 bool) {
	t.Helper()
	if !p.Engaged || len(p.Output) == 0 {
		t.Fatalf("not an engaged policy: %+v", p)
	}
	last := p.Output[len(p.Output)-1]
	if last.Action == firewall.Accept || last.Family != firewall.FamilyAny || len(last.Dst) != 0 {
		t.Errorf("output does not end in a reject of both families: %+v", last)
	}
	if !acceptsTo(p, netip.MustParsePrefix("192.168.0.0/16")) {
		t.Error("IPv4 LAN not accepted")
	}
	if got := acceptsTo(p, netip.MustParsePrefix("fc00::/7")); got != hostIPv6 {
		t.Errorf("host IPv6 %v: IPv6 LAN accepted %v", hostIPv6, got)
	}
}

// inspectingBackend is a recording backend that reports whether its table
// is present, as the nftables, pf and WFP backends do.
type inspectingBackend struct {
	recordingBackend
	present bool
}

func (b *inspectingBackend) Inspect(context.Context) (firewall.Inspection, error) {
	return firewall.Inspection{Present: b.present || len(b.applied) > 0}, nil
}

// earlyBlock applies the service's own boot block (the same policy value
// bootBlock applies), only when nothing of the service's is in place, and
// leaves the files as they are, corrupt ones included.
func TestEarlyBlock(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	fw := &inspectingBackend{}
	if err := earlyBlock(log, dir, fw, true); err != nil || len(fw.applied) != 0 {
		t.Fatalf("fresh install: %v, %d applied", err, len(fw.applied))
	}
	s := settings.Default()
	s.KillSwitch = settings.KillSwitchAlways
	s.AllowLAN = false
	if err := settings.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	if err := earlyBlock(log, dir, fw, true); err != nil || len(fw.applied) != 1 {
		t.Fatalf("always: %v, %d applied", err, len(fw.applied))
	}
	service := &recordingBackend{}
	if !bootBlock(log, dir, service, true) || !reflect.DeepEqual(service.applied[0], fw.applied[0]) {
		t.Errorf("the early block differs from the service's:\n%+v\n%+v", fw.applied[0], service.applied)
	}
	if err := earlyBlock(log, dir, fw, true); err != nil || len(fw.applied) != 1 {
		t.Errorf("with the table in place: %v, %d applied (want it left alone)", err, len(fw.applied))
	}

	fw = &inspectingBackend{}
	path := filepath.Join(dir, settings.FileName)
	corrupt := []byte(`{"version": 1, "kill_switch": "al`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := earlyBlock(log, dir, fw, true); err != nil || len(fw.applied) != 1 || !fw.applied[0].Engaged {
		t.Fatalf("corrupt settings: %v, %d applied", err, len(fw.applied))
	}
	if b, err := os.ReadFile(path); err != nil || !slices.Equal(b, corrupt) {
		t.Errorf("corrupt settings changed: %q %v", b, err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Errorf("files in the state directory: %v, want only the settings", names)
	}

	failing := &inspectingBackend{recordingBackend: recordingBackend{err: errors.New("netlink: operation not permitted")}}
	if err := earlyBlock(log, dir, failing, true); err == nil {
		t.Error("a failed apply is not an error")
	}
}
