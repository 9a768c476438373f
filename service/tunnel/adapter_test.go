package tunnel

import "testing"

func TestWintunPathIsBesideTheExecutable(t *testing.T) {
	cases := map[string]string{
		`C:\Program Files\Palisade\palisaded.exe`: `C:\Program Files\Palisade\wintun.dll`,
		`\\?\C:\Palisade\palisaded.exe`:           `\\?\C:\Palisade\wintun.dll`,
		"/opt/palisade/palisaded":                 "/opt/palisade/wintun.dll",
	}
	for exe, want := range cases {
		if got := wintunPath(exe); got != want {
			t.Errorf("wintunPath(%q) = %q, want %q", exe, got, want)
		}
	}
}

func TestAdapterGUIDIsStableAndDistinct(t *testing.T) {
	a, b := AdapterGUID("palisade0"), AdapterGUID("palisade0")
	if a != b {
		t.Fatalf("same name, different GUIDs: %x %x", a, b)
	}
	if c := AdapterGUID("palisade1"); c == a {
		t.Fatalf("different names share GUID %x", a)
	}
	if a == ([16]byte{}) {
		t.Fatal("zero GUID")
	}
	if a[7]>>4 != 8 || a[8]>>6 != 2 {
		t.Errorf("GUID %x lacks version 8 / RFC 4122 variant bits", a)
	}
}
