package profile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "profiles")
	s, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestStoreModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no mode bits: the state directory's DACL guards the store (TestStateDirRepair)")
	}
	s, dir := openTestStore(t)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("store dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	if err := s.Save("home", loadFile(t, "mullvad.conf")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "home.conf")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("profile file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	// An existing, too-open directory is tightened.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("reopened store dir mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestStoreSaveLoadListRemove(t *testing.T) {
	s, dir := openTestStore(t)
	names := []string{"work-v6", "Home", "a.b_c"}
	files := []string{"ipv6-endpoint.conf", "mullvad.conf", "openwrt.conf"}
	for i, name := range names {
		if err := s.Save(name, loadFile(t, files[i])); err != nil {
			t.Fatalf("Save(%s): %v", name, err)
		}
	}
	// Files that are not profiles are not listed.
	for _, junk := range []string{"notes.txt", ".home-123.tmp", "bad name.conf"} {
		if err := os.WriteFile(filepath.Join(dir, junk), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(list, want) {
		t.Fatalf("List() = %q, want %q", list, want)
	}
	for i, name := range names {
		got, err := s.Load(name)
		if err != nil {
			t.Fatalf("Load(%s): %v", name, err)
		}
		if want := loadFile(t, files[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("Load(%s) differs from what was saved", name)
		}
	}
	if err := s.Remove("Home"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(); slices.Contains(list, "Home") {
		t.Errorf("List() after Remove = %q", list)
	}
	err = s.Remove("Home")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `no profile named "Home"`) {
		t.Errorf("second Remove: %v", err)
	}
	if _, err := s.Load("Home"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of removed profile: %v", err)
	}
}

// TestStoreSaveReplacesAtomically checks that Save replaces a profile whole
// and leaves no temporary file behind.
func TestStoreSaveReplacesAtomically(t *testing.T) {
	s, dir := openTestStore(t)
	if err := s.Save("vpn", loadFile(t, "mullvad.conf")); err != nil {
		t.Fatal(err)
	}
	before, err := os.Open(filepath.Join(dir, "vpn.conf"))
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	// Windows renames nothing over a file another handle holds open
	// (Go opens without FILE_SHARE_DELETE): there the reader closes first.
	reader := runtime.GOOS != "windows"
	if !reader {
		before.Close()
	}
	proton := loadFile(t, "proton.conf")
	if err := s.Save("vpn", proton); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load("vpn"); err != nil || !reflect.DeepEqual(got, proton) {
		t.Fatalf("Load after replace: %v", err)
	}
	// A reader that opened the old file still sees the old profile whole:
	// the new one was renamed over it, not written into it.
	old := make([]byte, 4096)
	n, _ := before.Read(old)
	if p, err := Parse(string(old[:n])); reader && (err != nil || p.Peers[0].Endpoint.Host != "185.213.154.68") {
		t.Errorf("old file changed under its reader: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("store holds %d files after two saves, want 1", len(entries))
	}
}

func TestStoreRejectsInvalid(t *testing.T) {
	s, _ := openTestStore(t)
	if err := s.Save("../escape", loadFile(t, "mullvad.conf")); err == nil {
		t.Error("Save with a path in the name succeeded")
	}
	if err := s.Save("nokey", &Profile{Peers: []Peer{{PublicKey: Key{1}}}}); err == nil ||
		!strings.Contains(err.Error(), "has no PrivateKey") {
		t.Errorf("Save of a profile without a private key: %v", err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("invalid saves left %q", list)
	}
}

func TestStoreLoadCorrupted(t *testing.T) {
	s, dir := openTestStore(t)
	if err := os.WriteFile(filepath.Join(dir, "broken.conf"), []byte("[Interface]\nPrivateKey = \x00\xff\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("broken")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), `profile "broken"`) ||
		!strings.Contains(err.Error(), "corrupted") {
		t.Errorf("Load of corrupted file: %v", err)
	}
}

func TestValidName(t *testing.T) {
	good := []string{"a", "home", "Mullvad-SE_1.v6", strings.Repeat("x", 64), "9", "con1", "comX"}
	bad := map[string]string{
		"":                      "1..64 characters",
		strings.Repeat("x", 65): "1..64 characters",
		".hidden":               "must not start with '.' or '-'",
		"-rf":                   "must not start with '.' or '-'",
		"a/b":                   "may only contain",
		`a\b`:                   "may only contain",
		"..":                    "must not start",
		"wg 0":                  "may only contain",
		"ünï":                   "may only contain",
		"CON":                   "reserved device name",
		"nul.backup":            "reserved device name",
		"com1":                  "reserved device name",
		"LPT9":                  "reserved device name",
	}
	for _, n := range good {
		if err := ValidName(n); err != nil {
			t.Errorf("ValidName(%q): %v", n, err)
		}
	}
	for n, want := range bad {
		if err := ValidName(n); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidName(%q) = %v, want an error containing %q", n, err, want)
		}
	}
}

func TestNameFromPath(t *testing.T) {
	tests := map[string]string{
		"/home/u/Downloads/se-sto-wg-001.conf": "se-sto-wg-001",
		"wg0.CONF":                             "wg0",
		"relative/dir/home":                    "home",
		"proton.conf.txt":                      "proton.conf.txt",
	}
	for in, want := range tests {
		if got := NameFromPath(in); got != want {
			t.Errorf("NameFromPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuggestName(t *testing.T) {
	for in, want := range map[string]string{
		"My VPN (1)":                   "My-VPN-1",
		"mullvad-se-got-wg-001":        "mullvad-se-got-wg-001",
		"..hidden":                     "hidden",
		"-- büro --":                   "b-ro",
		"(((":                          "profile",
		"":                             "profile",
		"CON":                          "profile",
		"wg0 (copy).conf":              "wg0-copy.conf",
		strings.Repeat("a", 70):        strings.Repeat("a", 64),
		strings.Repeat("a", 63) + " b": strings.Repeat("a", 63),
	} {
		got := SuggestName(in)
		if got != want || ValidName(got) != nil {
			t.Errorf("SuggestName(%q) = %q, want %q (%v)", in, got, want, ValidName(got))
		}
	}
}
