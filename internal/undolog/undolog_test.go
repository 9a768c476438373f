package undolog

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

type change struct {
	Kind string `json:"kind"`
	Arg  string `json:"arg"`
}

func TestAddRemoveSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "routes.json")
	l := Open[change](path)
	a, b := change{"route", "198.51.100.7/32"}, change{"alias", "127.80.73.65"}
	for _, e := range []change{a, b, a} {
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	// A second process (the next start after a crash) sees both, once each.
	got, err := Open[change](path).Entries()
	if err != nil {
		t.Fatal(err)
	}
	if want := []change{a, b}; !reflect.DeepEqual(got, want) {
		t.Fatalf("entries after reopen = %v, want %v", got, want)
	}
	if err := l.Remove(a); err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(change{"route", "absent"}); err != nil {
		t.Fatalf("removing an absent entry: %v", err)
	}
	got, _ = Open[change](path).Entries()
	if want := []change{b}; !reflect.DeepEqual(got, want) {
		t.Fatalf("entries after remove = %v, want %v", got, want)
	}
	if err := l.Remove(b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("empty log left its file behind: %v", err)
	}
}

func TestDamagedLogIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routes.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := Open[change](path)
	if _, err := l.Entries(); err == nil {
		t.Fatal("damaged log read without error")
	}
	if err := l.Add(change{"route", "x"}); err == nil {
		t.Fatal("Add over a damaged log succeeded")
	}
	data, _ := os.ReadFile(path)
	if string(data) != "{not json" {
		t.Fatalf("damaged log overwritten: %q", data)
	}
}
