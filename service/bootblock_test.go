package service

import (
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/settings"
)

// recordingBackend is a firewall backend that keeps what it was asked to
// apply.
type recordingBackend struct {
	applied []firewall.Policy
	err     error
}

func (b *recordingBackend) Apply(p firewall.Policy) error {
	if b.err != nil {
		return b.err
	}
	b.applied = append(b.applied, p)
	return nil
}
func (b *recordingBackend) Remove() error         { return nil }
func (b *recordingBackend) Show() (string, error) { return "", nil }

// acceptsTo tells whether p's output accepts traffic to dst.
func acceptsTo(p firewall.Policy, dst netip.Prefix) bool {
	return slices.ContainsFunc(p.Output, func(r firewall.Rule) bool {
		return r.Action == firewall.Accept && !r.NotDst && slices.Contains(r.Dst, dst)
	})
}

// Kill switch `always` (or `auto` armed): the block the service puts up
// first thing at start is the disconnected engaged policy, kept while the
// service is down where the backend can; the LAN and DNS choices are the
// saved ones.
func TestBootPolicy(t *testing.T) {
	s := settings.Default()
	for _, c := range []struct {
		mode  settings.KillSwitch
		armed bool
	}{{settings.KillSwitchOff, false}, {settings.KillSwitchOff, true}, {settings.KillSwitchAuto, false}} {
		s.KillSwitch = c.mode
		if _, ok := bootPolicy(s, c.armed, true); ok {
			t.Errorf("kill switch %s (armed %v): a block at start", c.mode, c.armed)
		}
	}
	// auto, armed by a session the user did not end: blocked from start.
	s.KillSwitch = settings.KillSwitchAuto
	if p, ok := bootPolicy(s, true, true); !ok || !p.Engaged {
		t.Errorf("auto armed: ok %v, engaged %v", ok, p.Engaged)
	}
	s.KillSwitch = settings.KillSwitchAlways
	p, ok := bootPolicy(s, false, true)
	if !ok || !p.Engaged || !p.Persistent || len(p.Output) == 0 {
		t.Fatalf("always: ok %v, policy %+v", ok, p)
	}
	last := p.Output[len(p.Output)-1]
	if last.Action == firewall.Accept || len(last.Dst) != 0 {
		t.Errorf("the output does not end in a block of everything: %+v", last)
	}
	// fc00::/7: link-local fe80::/10 is accepted for NDP whatever allow-LAN says.
	lan4, lan6 := netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7")
	if !acceptsTo(p, lan4) || !acceptsTo(p, lan6) {
		t.Error("allow-LAN on, but the LAN of a family is not accepted")
	}
	if !slices.ContainsFunc(p.Output, func(r firewall.Rule) bool { return r.DstPort == 53 }) {
		t.Error("no DNS rules in a policy that manages DNS")
	}
	s.AllowLAN = false
	s.DNS.Mode = settings.DNSExisting
	p, _ = bootPolicy(s, false, true)
	if acceptsTo(p, lan4) || acceptsTo(p, lan6) {
		t.Error("allow-LAN off, but the LAN is accepted")
	}
	if slices.ContainsFunc(p.Output, func(r firewall.Rule) bool { return r.DstPort == 53 }) {
		t.Error("DNS mode existing, but port-53 rules rendered")
	}
}

// bootBlock reads the settings and the journal without touching them:
// `always`, or `auto` armed, applies the block, and so does a file it
// cannot read (decideBoot fails closed); anything else applies nothing. An
// unusable settings file stays where it is for the manager to set aside
// and report.
func TestBootBlock(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	fw := &recordingBackend{}
	if bootBlock(log, dir, fw, true) || len(fw.applied) != 0 {
		t.Fatalf("no settings file (auto): %d policies applied", len(fw.applied))
	}
	s := settings.Default()
	s.KillSwitch = settings.KillSwitchAlways
	if err := settings.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	if !bootBlock(log, dir, fw, true) || len(fw.applied) != 1 || !fw.applied[0].Engaged {
		t.Fatalf("always: %d policies applied: %+v", len(fw.applied), fw.applied)
	}
	// auto, and the journal says armed (shut down while connected).
	s.KillSwitch = settings.KillSwitchAuto
	if err := settings.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, journalFile), []byte(`{"connected": true, "armed": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if !bootBlock(log, dir, fw, true) || len(fw.applied) != 2 || !fw.applied[1].Engaged {
		t.Fatalf("auto armed: %d policies applied", len(fw.applied))
	}
	if err := os.WriteFile(filepath.Join(dir, journalFile), []byte(`{"armed": tru`), 0o600); err != nil {
		t.Fatal(err)
	}
	if !bootBlock(log, dir, fw, true) || len(fw.applied) != 3 {
		t.Errorf("auto with an unreadable journal (fails closed): %d policies applied", len(fw.applied))
	}
	if err := os.WriteFile(filepath.Join(dir, journalFile), []byte(`{"armed": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if bootBlock(log, dir, &recordingBackend{err: errors.New("pfctl: no such file")}, true) {
		t.Error("a failed apply reported as applied")
	}
	path := filepath.Join(dir, settings.FileName)
	if err := os.WriteFile(path, []byte(`{"version": 1, "kill_switch": "always"`), 0o600); err != nil {
		t.Fatal(err)
	}
	fw = &recordingBackend{}
	if !bootBlock(log, dir, fw, true) || len(fw.applied) != 1 || !fw.applied[0].Engaged {
		t.Errorf("an unusable file (fails closed): %d policies applied", len(fw.applied))
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), "always") {
		t.Errorf("the unusable file was moved or changed: %q, %v", data, err)
	}
}
