package settings

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode feeds the settings file parser what a damaged or hand-edited
// settings.json may hold: it must never panic, and whatever it accepts must
// be valid and come back unchanged from the JSON that Save writes. Seeds
// are in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decode(data)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted settings are invalid: %v\n%s", err, data)
		}
		out, err := json.MarshalIndent(s.Normalized(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		again, err := decode(out)
		if err != nil {
			t.Fatalf("what Save would write is refused: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip differs:\n%#v\n%#v", s, again)
		}
	})
}
