package testenv

import (
	"testing"
)

// recorder is a testing.TB that records whether it was skipped or failed
// instead of stopping the goroutine.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestMissingToolSkipsLocallyAndFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		ci              string
		skipped, failed bool
	}{
		{ci: "", skipped: true},
		{ci: "true", failed: true},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		NeedTool(r, "palisade-no-such-tool", "nothing")
		if s, f := r.skipped, r.failed; s != tc.skipped || f != tc.failed {
			t.Errorf("CI=%q: skipped=%v failed=%v, want skipped=%v failed=%v", tc.ci, s, f, tc.skipped, tc.failed)
		}
	}
}

func TestPresentToolIsFound(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if path := NeedTool(r, "sh", "dash"); path == "" || r.failed || r.skipped {
		t.Fatalf("sh: path %q, skipped=%v failed=%v", path, r.skipped, r.failed)
	}
}
