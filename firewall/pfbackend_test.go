package firewall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/internal/undolog"
)

// fakePF stands in for pfctl: pf's enabled state, its reference tokens, the
// anchor's rules and the main ruleset.
type fakePF struct {
	enabled bool
	tokens  []string
	next    int
	anchor  string
	main    string
	cmds    []string
	// tables are the table commands run ("bootstrap4 -T flush"), which
	// fail while failTables.
	tables     []string
	failTables bool
	// nat is what pf lists as the anchor's NAT rules; entries are the
	// tables' addresses, as the anchor text and table commands left them.
	nat     string
	entries map[string][]string
}

func (f *fakePF) pfctl(_ context.Context, stdin string, args ...string) (string, error) {
	cmd := strings.Join(args, " ")
	f.cmds = append(f.cmds, cmd)
	switch cmd {
	case "-a " + pfAnchor + " -f -":
		f.anchor = stdin
		f.entries = map[string][]string{}
		for l := range strings.Lines(stdin) {
			if rest, ok := strings.CutPrefix(l, "table <"); ok {
				name, rest, _ := strings.Cut(rest, ">")
				_, list, _ := strings.Cut(rest, "{")
				list, _, _ = strings.Cut(list, "}")
				f.entries[name] = strings.Fields(strings.ReplaceAll(list, ",", " "))
			}
		}
	case "-a " + pfAnchor + " -s nat":
		return f.nat, nil
	case "-a " + pfAnchor + " -s Tables":
		// pf lists each table once, sorted.
		var out string
		for _, name := range slices.Sorted(maps.Keys(f.entries)) {
			out += "   " + name + "\n"
		}
		return "No ALTQ support in kernel\nALTQ related functions disabled\n" + out, nil
	case "-a " + pfAnchor + " -F all":
		f.anchor, f.nat, f.entries = "", "", nil
	case "-E":
		f.next++
		t := fmt.Sprint(1000 + f.next)
		f.tokens, f.enabled = append(f.tokens, t), true
		return "pf enabled\nToken : " + t + "\n", nil
	case "-s info":
		if f.enabled {
			return "Status: Enabled for 0 days 00:00:12           Debug: Urgent\n", nil
		}
		return "Status: Disabled for 0 days 00:00:00          Debug: Urgent\n", nil
	case "-s rules":
		return f.main, nil
	case "-a " + pfAnchor + " -s rules":
		// pf lists the loaded rules, one a line, without tables and comments.
		var rules []string
		for l := range strings.Lines(f.anchor) {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "table ") {
				rules = append(rules, l)
			}
		}
		return strings.Join(rules, "\n"), nil
	case "-F states", "-a " + pfAnchor + " -v -s rules":
	default:
		if t, ok := strings.CutPrefix(cmd, "-a "+pfAnchor+" -t "); ok {
			name, op, _ := strings.Cut(t, " -T ")
			if name, ok := strings.CutSuffix(t, " -T show"); ok {
				// pf prints three blanks before each address.
				var out string
				for _, e := range f.entries[name] {
					out += "   " + e + "\n"
				}
				return out, nil
			}
			if f.failTables {
				return "", errors.New("pfctl: Table does not exist")
			}
			f.tables = append(f.tables, t)
			verb, addrs, _ := strings.Cut(op, " ")
			if verb == "flush" {
				f.entries[name] = nil
			} else {
				f.entries[name] = strings.Fields(addrs)
			}
			return "", nil
		}
		if t, ok := strings.CutPrefix(cmd, "-X "); ok {
			i := slices.Index(f.tokens, t)
			if i < 0 {
				return "", errors.New("pfctl: DIOCSTOPREF: Invalid argument")
			}
			f.tokens = slices.Delete(f.tokens, i, i+1)
			f.enabled = len(f.tokens) > 0
			return "", nil
		}
		return "", fmt.Errorf("unexpected pfctl %s", cmd)
	}
	return "", nil
}

func (f *fakePF) count(cmd string) int {
	n := 0
	for _, c := range f.cmds {
		if c == cmd {
			n++
		}
	}
	return n
}

func newPF(f *fakePF, dir string) *pfBackend {
	return &pfBackend{log: slog.New(slog.NewTextHandler(io.Discard, nil)), tokens: undolog.Open[string](filepath.Join(dir, pfTokenJournal)), pfctl: f.pfctl}
}

// Inspect reports the anchor's rules against those loaded by the last
// Apply, so a rule removed behind the service's back shows.
func TestPFBackendInspect(t *testing.T) {
	f := &fakePF{}
	b := newPF(f, t.TempDir())
	if err := b.Apply(Compute(testInput(StateConnected, ModeAuto, true, true, true, true))); err != nil {
		t.Fatal(err)
	}
	in, err := b.Inspect(t.Context())
	if err != nil || !in.Present || in.Rules == 0 || in.Rules != in.Want {
		t.Fatalf("after apply: %+v, %v", in, err)
	}
	i := strings.Index(f.anchor, "\npass ")
	if i < 0 {
		t.Fatalf("no pass rule in the anchor:\n%s", f.anchor)
	}
	f.anchor = f.anchor[:i] + f.anchor[i+1+strings.Index(f.anchor[i+1:], "\n"):]
	if in, err = b.Inspect(t.Context()); err != nil || in.Rules != in.Want-1 {
		t.Fatalf("after a rule went: %+v, %v", in, err)
	}
	if err := b.Remove(); err != nil {
		t.Fatal(err)
	}
	if in, err = b.Inspect(t.Context()); err != nil || in.Present || in.Want != 0 {
		t.Fatalf("after remove: %+v, %v", in, err)
	}
}

// Changes that keep the number of rules are seen too: a rule replaced in
// place, a NAT rule slipped into the anchor, an address added to a table.
// The service's own table refill (the bootstrap permit) is not a change.
func TestPFBackendInspectSeesInPlaceChanges(t *testing.T) {
	in := testInput(StateConnected, ModeAuto, true, true, true, true)
	for name, change := range map[string]func(f *fakePF){
		"rule replaced": func(f *fakePF) {
			f.anchor = strings.Replace(f.anchor, "pass out quick on lo0 from any to any flags any", "pass out quick on en0 from any to any flags any", 1)
		},
		"NAT rule added": func(f *fakePF) { f.nat = "nat on en0 inet from any to any -> (en0)\n" },
		"address added":  func(f *fakePF) { f.entries["bootstrap4"] = append(f.entries["bootstrap4"], "203.0.113.99") },
		"table flushed":  func(f *fakePF) { f.entries["palisade_1"] = nil },
	} {
		f := &fakePF{}
		b := newPF(f, t.TempDir())
		if err := b.Apply(Compute(in)); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Inspect(t.Context()); err != nil || got.Changed || got.Rules != got.Want {
			t.Fatalf("%s: as applied: %+v, %v", name, got, err)
		}
		before := f.anchor + f.nat + fmt.Sprint(f.entries)
		change(f)
		if before == f.anchor+f.nat+fmt.Sprint(f.entries) {
			t.Fatalf("%s: the change did not apply to the fake", name)
		}
		got, err := b.Inspect(t.Context())
		if err != nil || !got.Changed {
			t.Errorf("%s: not seen: %+v, %v", name, got, err)
		}
	}
	// The bootstrap permit opening: a table refill, not a change.
	f := &fakePF{}
	b := newPF(f, t.TempDir())
	closed := in
	closed.Bootstrap = nil
	if err := b.Apply(Compute(closed)); err != nil {
		t.Fatal(err)
	}
	open := in
	open.Bootstrap = globalBootstrap
	if err := b.Apply(Compute(open)); err != nil {
		t.Fatal(err)
	}
	if len(f.tables) == 0 {
		t.Fatal("the bootstrap permit did not refill a table")
	}
	if got, err := b.Inspect(t.Context()); err != nil || got.Changed {
		t.Errorf("after the service's own table refill: %+v, %v", got, err)
	}
}

func TestPFBackendTokensAndFlush(t *testing.T) {
	dir := t.TempDir()
	f := &fakePF{main: "scrub-anchor \"com.apple/*\" all fragment reassemble\nanchor \"com.apple/*\" all\n"}
	b := newPF(f, dir)
	engaged := Compute(testInput(StateConnected, ModeAuto, true, true, true, true))
	if err := b.Apply(engaged); err != nil {
		t.Fatal(err)
	}
	if !f.enabled || len(f.tokens) != 1 || !strings.Contains(f.anchor, "flags any") {
		t.Fatalf("after apply: enabled %v tokens %v", f.enabled, f.tokens)
	}
	if f.count("-F states") != 1 {
		t.Errorf("engaging did not flush states: %v", f.cmds)
	}
	if got, _ := b.tokens.Entries(); !slices.Equal(got, f.tokens) {
		t.Errorf("journaled tokens %v, pf holds %v", got, f.tokens)
	}
	// A policy no stricter than the last keeps states and the token.
	f.cmds = nil
	lan := engaged
	lan.Why += " (again)"
	if err := b.Apply(lan); err != nil {
		t.Fatal(err)
	}
	if f.count("-F states") != 0 || f.count("-E") != 0 {
		t.Errorf("an equally strict policy flushed states or took a token: %v", f.cmds)
	}

	// The service crashes; pf still holds the old reference. The next run
	// takes its own before releasing the stale one, so pf never goes off.
	stale := f.tokens[0]
	b2 := newPF(f, dir)
	f.cmds = nil
	if err := b2.Apply(engaged); err != nil {
		t.Fatal(err)
	}
	iE, iX := slices.Index(f.cmds, "-E"), slices.Index(f.cmds, "-X "+stale)
	if iE < 0 || iX < 0 || iE > iX {
		t.Errorf("stale token not released after taking a new one: %v", f.cmds)
	}
	if len(f.tokens) != 1 || f.tokens[0] == stale || !f.enabled {
		t.Errorf("tokens after restart %v (stale %s), enabled %v", f.tokens, stale, f.enabled)
	}

	// Someone ran pfctl -d: the next apply enables pf again.
	f.enabled = false
	f.cmds = nil
	if err := b2.Apply(Compute(testInput(StateConnected, ModeAuto, true, false, true, true))); err != nil {
		t.Fatal(err)
	}
	if f.count("-E") != 1 || !f.enabled {
		t.Errorf("pf not re-enabled: %v", f.cmds)
	}

	if err := b2.Remove(); err != nil {
		t.Fatal(err)
	}
	if f.anchor != "" || len(f.tokens) != 0 || f.enabled {
		t.Errorf("after Remove: anchor %q tokens %v enabled %v", f.anchor, f.tokens, f.enabled)
	}
	if got, _ := b2.tokens.Entries(); len(got) != 0 {
		t.Errorf("tokens journaled after Remove: %v", got)
	}
}

func TestPFBackendShowWarns(t *testing.T) {
	f := &fakePF{main: "pass all\n"}
	b := newPF(f, t.TempDir())
	out, err := b.Show()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"WARNING: pf is not enabled", `WARNING: the main pf ruleset does not evaluate "com.apple/*"`} {
		if !strings.Contains(out, want) {
			t.Errorf("Show lacks %q:\n%s", want, out)
		}
	}
}
