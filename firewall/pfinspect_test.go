package firewall

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readPFSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pfctl", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Real pfctl listings normalise to their rules alone: macOS's ALTQ notices
// and -v's counter lines go, the rules stay in order, word for word.
func TestPFNormalizeRealOutput(t *testing.T) {
	for _, tc := range []struct {
		file  string
		first string
		n     int
	}{
		{"macos_main_rules.txt", `scrub-anchor "com.apple/*" all fragment reassemble`, 2},
		{"verbose_rules.txt", "scrub in all no-df fragment reassemble", 1},
		{"killswitch_rules.txt", "block drop all", 11},
	} {
		got := pfNormalize(readPFSample(t, tc.file))
		if len(got) != tc.n || got[0] != tc.first {
			t.Errorf("%s: %d lines starting %q, want %d starting %q:\n%s", tc.file, len(got), got[0], tc.n, tc.first, strings.Join(got, "\n"))
		}
		for _, l := range got {
			if strings.Contains(l, "ALTQ") || strings.Contains(l, "Evaluations") || strings.Contains(l, "  ") {
				t.Errorf("%s: %q left in", tc.file, l)
			}
		}
	}
	// The same rules listed with -v and stray blanks compare equal.
	plain := pfNormalize(readPFSample(t, "killswitch_rules.txt"))
	var verbose strings.Builder
	for _, l := range plain {
		verbose.WriteString(strings.ReplaceAll(l, " ", "  ") + "\n  [ Evaluations: 12  Packets: 3  Bytes: 180  States: 0     ]\n  [ Inserted: uid 0 pid 24100 State Creations: 0 ]\n")
	}
	if got := pfNormalize(verbose.String()); !slices.Equal(got, plain) {
		t.Errorf("verbose listing normalised to\n%s", strings.Join(got, "\n"))
	}
}

// A rule changed in place (same count), a rule moved, a NAT rule added, an
// address added to a table or a table added all make two listings differ;
// the same tables listed in another order do not.
func TestPFListingEqual(t *testing.T) {
	rules := pfNormalize(readPFSample(t, "killswitch_rules.txt"))
	base := func() pfListing {
		return pfListing{
			Rules:  slices.Clone(rules),
			Tables: map[string][]string{"bootstrap4": pfTableEntries("   192.168.50.1\n   10.0.0.53\n")},
		}
	}
	if a, b := base(), base(); !a.equal(b) || a.count() != 11 {
		t.Fatalf("a listing differs from itself or counts %d", a.count())
	}
	reordered := base()
	reordered.Tables["bootstrap4"] = pfTableEntries("No ALTQ support in kernel\n   10.0.0.53\n   192.168.50.1\n")
	if !base().equal(reordered) {
		t.Error("a table listed in another order differs")
	}
	for name, change := range map[string]func(*pfListing){
		"rule changed in place": func(l *pfListing) {
			l.Rules[10] = strings.Replace(l.Rules[10], "utun1", "en2", 1)
		},
		"rules swapped":   func(l *pfListing) { l.Rules[0], l.Rules[1] = l.Rules[1], l.Rules[0] },
		"NAT rule added":  func(l *pfListing) { l.NAT = pfNormalize("nat on en2 from any to any -> (en2)\n") },
		"address added":   func(l *pfListing) { l.Tables["bootstrap4"] = append(l.Tables["bootstrap4"], "203.0.113.9") },
		"table added":     func(l *pfListing) { l.Tables["extra"] = nil },
		"table emptied":   func(l *pfListing) { l.Tables["bootstrap4"] = nil },
		"rule removed":    func(l *pfListing) { l.Rules = l.Rules[1:] },
		"address negated": func(l *pfListing) { l.Tables["bootstrap4"][0] = "!" + l.Tables["bootstrap4"][0] },
	} {
		l := base()
		change(&l)
		if base().equal(l) {
			t.Errorf("%s: listings compare equal", name)
		}
	}
}

func TestPFTableNames(t *testing.T) {
	out := "No ALTQ support in kernel\nALTQ related functions disabled\nbootstrap4\nbootstrap6\npalisade_1\n"
	if got := pfTableNames(out); !slices.Equal(got, []string{"bootstrap4", "bootstrap6", "palisade_1"}) {
		t.Errorf("names %q", got)
	}
}

// FuzzPFNormalize feeds arbitrary pfctl output to the normaliser: it never
// fails, keeps no blank, notice or counter line, and normalising its own
// result changes nothing; table names and entries come out of any input.
func FuzzPFNormalize(f *testing.F) {
	for _, name := range []string{"macos_main_rules.txt", "verbose_rules.txt", "killswitch_rules.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", "pfctl", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("   10.0.0.1\n  !10.1.0.0/16\n\t\n")
	f.Fuzz(func(t *testing.T, out string) {
		lines := pfNormalize(out)
		for _, l := range lines {
			if l == "" || strings.HasPrefix(l, "[") || strings.Contains(l, "  ") || strings.HasPrefix(l, "No ALTQ support") {
				t.Errorf("line %q left in", l)
			}
		}
		if again := pfNormalize(strings.Join(lines, "\n")); !slices.Equal(again, lines) {
			t.Errorf("not idempotent: %q then %q", lines, again)
		}
		if names := pfTableNames(out); len(names) != len(lines) {
			t.Errorf("%d table names from %d lines", len(names), len(lines))
		}
		entries := pfTableEntries(out)
		if !slices.IsSorted(entries) || len(entries) != len(lines) {
			t.Errorf("table entries %q", entries)
		}
	})
}
