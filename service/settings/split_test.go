package settings

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestSplitValidate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("program paths here are Linux paths; split tunnelling is refused on Windows")
	}
	s := Default()
	if s.Split.On() {
		t.Fatal("split tunnel on by default")
	}
	s.Split = Split{Mode: "VPN-only", Programs: []string{"/usr/bin/b", "/usr/bin/./a"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	n := s.Normalized()
	if n.Split.Mode != SplitVPNOnly || strings.Join(n.Split.Programs, ",") != "/usr/bin/a,/usr/bin/b" || !n.Split.On() {
		t.Errorf("normalized %+v", n.Split)
	}
	bad := map[string]Split{
		"invalid split tunnel mode": {Mode: "sometimes"},
		"absolute path":             {Programs: []string{"firefox"}},
		"listed twice":              {Programs: []string{"/bin/x", "/bin//x"}},
		"empty program":             {Programs: []string{""}},
		"too many":                  {Programs: make([]string, MaxSplitPrograms+1)},
	}
	for want, sp := range bad {
		s := Default()
		s.Split = sp
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", sp, err, want)
		}
	}
}

// An older settings file without "split" reads as split tunnelling off.
func TestSplitOldFile(t *testing.T) {
	var s Settings
	if err := json.Unmarshal([]byte(`{"version":1,"kill_switch":"auto","dns":{"mode":"tunnel"}}`), &s); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil || s.Split.On() || s.Normalized().Split.Mode != SplitOff {
		t.Errorf("old file: %v %+v", err, s.Split)
	}
}
