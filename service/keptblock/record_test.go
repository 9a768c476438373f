package keptblock

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func sample() Record {
	return Record{
		Since: time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC), Stop: "stop", Why: "kill switch always", Mode: "always",
		Families: []string{IPv4, IPv6}, LAN: true, Rules: 31,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, found, err := Read(dir); found || err != nil {
		t.Fatalf("empty dir: found %v, %v", found, err)
	}
	want := sample()
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := Read(dir)
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v found %v err %v, want %+v", got, found, err, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, File)); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("record mode %v, %v; want 0644 (the tray reads it as the user)", fi.Mode().Perm(), err)
	}
	if removed, err := Remove(dir); !removed || err != nil {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if removed, err := Remove(dir); removed || err != nil {
		t.Fatalf("second remove: %v %v, want false and no error", removed, err)
	}
	if _, found, _ := Read(dir); found {
		t.Fatal("record still found after Remove")
	}
}

func TestRecordRefusesBadInput(t *testing.T) {
	with := func(f func(*Record)) Record { r := sample(); f(&r); return r }
	for name, r := range map[string]Record{
		"no time":        with(func(r *Record) { r.Since = time.Time{} }),
		"no why":         with(func(r *Record) { r.Why = "" }),
		"no family":      with(func(r *Record) { r.Families = nil }),
		"unknown family": with(func(r *Record) { r.Families = []string{"ipx"} }),
		"family twice":   with(func(r *Record) { r.Families = []string{IPv6, IPv6} }),
		"negative rules": with(func(r *Record) { r.Rules = -1 }),
		"not UTF-8":      with(func(r *Record) { r.Why = "\xff" }),
	} {
		dir := t.TempDir()
		if err := Write(dir, r); err == nil {
			t.Errorf("%s: written", name)
		}
		if _, err := os.Stat(filepath.Join(dir, File)); err == nil {
			t.Errorf("%s: a file was left", name)
		}
	}
	for name, text := range map[string]string{
		"empty":     "",
		"truncated": `{"since":"2026-11-27T01:02:03Z","stop":"stop"`,
		"not JSON":  "kept",
		"huge":      `{"why":"` + strings.Repeat("x", maxRecord) + `"}`,
		"bad time":  `{"since":"yesterday","stop":"stop","why":"w","mode":"always","families":["ipv4"]}`,
	} {
		if _, err := Parse([]byte(text)); err == nil {
			t.Errorf("%s: parsed", name)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, File), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, found, err := Read(dir); found || err == nil {
			t.Errorf("%s: Read found %v err %v, want an error", name, found, err)
		}
	}
}

// FuzzParse: whatever the file holds, Parse either refuses it or returns a
// record that validates and survives a round trip unchanged.
func FuzzParse(f *testing.F) {
	data, err := sample().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed an invalid record: %v", err)
		}
		again, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := Parse(again)
		if err != nil || !reflect.DeepEqual(r.Families, r2.Families) || !r.Since.Equal(r2.Since) || r.Why != r2.Why || r.Rules != r2.Rules {
			t.Fatalf("round trip: %+v -> %+v (%v)", r, r2, err)
		}
	})
}
