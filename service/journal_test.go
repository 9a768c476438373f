package service

import (
	"os"
	"path/filepath"
	"testing"
)

// Cleanup's disarm clears only the armed flag, leaves a journal without it
// untouched, and refuses (keeping the file) a journal it cannot read.
func TestDisarmJournal(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, journalFile)
	if err := disarmJournal(dir); err != nil {
		t.Fatalf("no journal: %v", err)
	}
	if err := os.WriteFile(p, []byte(`{"connected":true,"last_profile":"home","armed":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := disarmJournal(dir); err != nil {
		t.Fatal(err)
	}
	j, err := readJournal(dir)
	if err != nil || j != (journal{Connected: true, LastProfile: "home"}) {
		t.Errorf("after disarm: %+v, %v", j, err)
	}
	if err := os.WriteFile(p, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := disarmJournal(dir); err == nil {
		t.Error("a corrupt journal disarmed without an error")
	}
	if b, _ := os.ReadFile(p); string(b) != "{garbage" {
		t.Errorf("corrupt journal rewritten: %q", b)
	}
}
