package settings

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestDefaults(t *testing.T) {
	d := Default()
	if d.KillSwitch != KillSwitchAuto || !d.AllowLAN || !d.IPv6 || d.DNS.Mode != DNSTunnel {
		t.Fatalf("unexpected defaults: %+v", d)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestParseDNSServers(t *testing.T) {
	good := []string{"1.1.1.1", "2606:4700:4700::1111", " 9.9.9.9 ", "::ffff:8.8.8.8"}
	addrs, err := ParseDNSServers(good)
	if err != nil {
		t.Fatalf("mixed list refused: %v", err)
	}
	if got := addrs[3].String(); got != "8.8.8.8" {
		t.Errorf("mapped address not unmapped: %s", got)
	}
	bad := map[string][]string{
		"not an IPv4 or IPv6":   {"dns.google"},
		"empty":                 {""},
		"scoped":                {"fe80::1%eth0"},
		"not a unicast":         {"0.0.0.0"},
		"too many":              {"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9"},
		"listed twice":          {"1.1.1.1", "1.1.1.1"},
		"invalid DNS server \"": {"1.1.1"},
	}
	for want, in := range bad {
		if _, err := ParseDNSServers(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDNSServers(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

func TestValidate(t *testing.T) {
	s := Default()
	s.DNS.Mode = DNSCustom
	if err := s.Validate(); err == nil {
		t.Error("custom mode without servers accepted")
	}
	s.DNS.Custom = []string{"10.0.0.1", "fd00::53"}
	if err := s.Validate(); err != nil {
		t.Errorf("valid custom DNS refused: %v", err)
	}
	s.KillSwitch = "sometimes"
	if err := s.Validate(); err == nil {
		t.Error("bad kill switch accepted")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := Default()
	s.KillSwitch = KillSwitchAlways
	s.AllowLAN = false
	s.DNS = DNS{Mode: DNSCustom, Custom: []string{"2001:4860:4860:0:0:0:0:8888", "8.8.8.8"}}
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no mode bits: the state directory's DACL guards it.
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, aside := Load(dir, quiet)
	if aside != "" {
		t.Fatalf("good file set aside as %s", aside)
	}
	if got.KillSwitch != KillSwitchAlways || got.AllowLAN || got.DNS.Custom[0] != "2001:4860:4860::8888" {
		t.Fatalf("round trip lost data: %+v", got)
	}
}

func TestSaveRefusesInvalidAndKeepsOld(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, Default()); err != nil {
		t.Fatal(err)
	}
	bad := Default()
	bad.DNS = DNS{Mode: DNSCustom, Custom: []string{"not-an-ip"}}
	if err := Save(dir, bad); err == nil {
		t.Fatal("invalid settings saved")
	}
	got, _ := Load(dir, quiet)
	if got.DNS.Mode != DNSTunnel {
		t.Fatalf("previous settings lost: %+v", got)
	}
}

// A crash in the middle of a non-atomic write leaves a truncated file; Load
// must detect it, keep it aside for inspection and start on defaults.
func TestTruncatedFileSetAside(t *testing.T) {
	dir := t.TempDir()
	s := Default()
	s.KillSwitch = KillSwitchOff
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	got, aside := Load(dir, quiet)
	if aside == "" {
		t.Fatal("truncated file not detected")
	}
	if got.KillSwitch != KillSwitchAuto {
		t.Fatalf("not on defaults: %+v", got)
	}
	kept, err := os.ReadFile(aside)
	if err != nil || string(kept) != string(data[:len(data)/2]) {
		t.Fatalf("aside file does not hold the original bytes: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("corrupt file still in place")
	}
}

func TestUnsupportedVersionSetAside(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"version": 99}`), 0o600)
	if _, aside := Load(dir, quiet); aside == "" {
		t.Fatal("future version accepted")
	}
}

func TestMissingFileDefaults(t *testing.T) {
	got, aside := Load(t.TempDir(), quiet)
	if aside != "" || got.KillSwitch != KillSwitchAuto {
		t.Fatalf("got %+v aside %q", got, aside)
	}
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"", "https://am.i.mullvad.net/ip", "http://[2001:db8::1]:8080/"} {
		if err := (Check{URL: ok}).Validate(); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, says := range map[string]string{
		"ftp://x/":       "http://",
		"https:///ip":    "no host",
		"https://u:p@x/": "credentials",
		"not a url":      "http://",
		"https://x/" + string(make([]byte, 2048)): "too long",
	} {
		s := Default()
		s.Check.URL = bad
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%.30q: %v, want an error saying %q", bad, err, says)
		}
	}
	if got := (Check{}).EffectiveURL(); got != DefaultCheckURL {
		t.Errorf("empty URL asks %q", got)
	}
}
