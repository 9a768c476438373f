package firewall

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
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
}

func (f *fakePF) pfctl(stdin string, args ...string) (string, error) {
	cmd := strings.Join(args, " ")
	f.cmds = append(f.cmds, cmd)
	switch cmd {
	case "-a " + pfAnchor + " -f -":
		f.anchor = stdin
	case "-a " + pfAnchor + " -F all":
		f.anchor = ""
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
	case "-F states", "-a " + pfAnchor + " -v -s rules", "-a " + pfAnchor + " -s Tables":
	default:
		if t, ok := strings.CutPrefix(cmd, "-a "+pfAnchor+" -t "); ok {
			if f.failTables {
				return "", errors.New("pfctl: Table does not exist")
			}
			f.tables = append(f.tables, t)
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
	in, err := b.Inspect()
	if err != nil || !in.Present || in.Rules == 0 || in.Rules != in.Want {
		t.Fatalf("after apply: %+v, %v", in, err)
	}
	i := strings.Index(f.anchor, "\npass ")
	if i < 0 {
		t.Fatalf("no pass rule in the anchor:\n%s", f.anchor)
	}
	f.anchor = f.anchor[:i] + f.anchor[i+1+strings.Index(f.anchor[i+1:], "\n"):]
	if in, err = b.Inspect(); err != nil || in.Rules != in.Want-1 {
		t.Fatalf("after a rule went: %+v, %v", in, err)
	}
	if err := b.Remove(); err != nil {
		t.Fatal(err)
	}
	if in, err = b.Inspect(); err != nil || in.Present || in.Want != 0 {
		t.Fatalf("after remove: %+v, %v", in, err)
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
