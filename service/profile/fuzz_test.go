package profile

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are
// *ParseError, and that whatever it accepts survives Marshal and Parse
// again unchanged. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *ParseError", err, err)
			}
			return
		}
		out := p.Marshal()
		q, err := Parse(out)
		if err != nil {
			t.Fatalf("Marshal output rejected: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip differs:\n%#v\n%#v", p, q)
		}
		if again := q.Marshal(); again != out {
			t.Fatalf("Marshal not stable:\n%s\n---\n%s", out, again)
		}
		// These must not panic on anything Parse accepts.
		p.Warnings()
		p.Redacted().Marshal()
		_ = p.Scope().String()
	})
}

// FuzzValidName checks the profile name rule that keeps names usable as
// file names on every OS: an accepted name has no path separator, does not
// start with '.' or '-', fits in 64 bytes, and is what NameFromPath gives
// back for its stored file. Seeds are in testdata/fuzz/FuzzValidName.
func FuzzValidName(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string) {
		if err := ValidName(SuggestName(name)); err != nil {
			t.Fatalf("SuggestName(%q) = %q: %v", name, SuggestName(name), err)
		}
		if ValidName(name) != nil {
			return
		}
		if strings.ContainsAny(name, `/\:`) || name[0] == '.' || name[0] == '-' || len(name) > 64 || windowsDevice(name) {
			t.Fatalf("accepted %q", name)
		}
		if got := NameFromPath(filepath.Join("dir", name+ext)); got != name {
			t.Fatalf("NameFromPath(%q) = %q", name+ext, got)
		}
	})
}
