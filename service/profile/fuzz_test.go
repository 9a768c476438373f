package profile

import (
	"errors"
	"reflect"
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
