package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
)

func TestDefaultProfile(t *testing.T) {
	for _, c := range []struct {
		last, removed string
		stored        []string
		want, err     string
	}{
		{last: "home", stored: []string{"home", "work"}, want: "home"},
		{stored: nil, err: "none used before: import one"},
		{removed: "old", stored: nil, err: "none used before: import one"},
		{stored: []string{"only"}, want: "only"},
		{removed: "old", stored: []string{"only"}, want: "only"},
		{removed: "old", stored: []string{"a", "b"}, err: `the one last used ("old") was removed: choose one of a, b`},
		{stored: []string{"a", "b"}, err: "none used before: choose one of a, b"},
	} {
		got, err := defaultProfile(c.last, c.removed, c.stored)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("defaultProfile(%q, %q, %q) = %q, %v; want %q, %q", c.last, c.removed, c.stored, got, err, c.want, c.err)
		}
		if len(c.stored) > 1 && c.last == "" && !errors.Is(err, ErrNoProfileChosen) {
			t.Errorf("%q: %v is not ErrNoProfileChosen", c.stored, err)
		}
	}
}

// A plain connect after the last used profile was removed says so and
// names the choices; with only one profile left it uses that one.
func TestConnectAfterLastUsedRemoved(t *testing.T) {
	m, _ := testManager(t, true)
	importAll(t, m, "a", "b", "c")
	if err := m.Connect("c"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	m.Disconnect()
	if err := m.RemoveProfile("c"); err != nil {
		t.Fatal(err)
	}
	err := m.Connect("")
	if !errors.Is(err, ErrNoProfileChosen) || !strings.Contains(err.Error(), `("c") was removed: choose one of a, b`) {
		t.Fatalf("plain connect with a and b left: %v", err)
	}
	if st := m.Status(); st.State != ipc.Disconnected {
		t.Fatalf("refused connect left state %s", st.State)
	}
	if err := m.RemoveProfile("a"); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect(""); err != nil {
		t.Fatalf("plain connect with only b left: %v", err)
	}
	waitState(t, m, ipc.Connected)
	if st := m.Status(); st.Profile != "b" {
		t.Errorf("connected with %q, want b", st.Profile)
	}
}

// The API answers a connect it cannot pick a profile for with 412, which
// the CLI turns into a hint to name one.
func TestConnectWithoutChoiceStatus(t *testing.T) {
	s, m := testServer(t)
	importAll(t, m, "a", "b")
	rec := call(s, true, "POST", ipc.PathConnect, `{}`)
	if rec.Code != 412 || !strings.Contains(rec.Body.String(), "choose one of a, b") {
		t.Errorf("plain connect with two profiles: %d %s", rec.Code, rec.Body)
	}
}

// Renaming the last used profile carries the record and the status along
// (the window showed "—" and a plain connect failed after a rename); a
// taken name, a missing profile and the connected one are refused and
// change nothing.
func TestRenameFollowsLastUsed(t *testing.T) {
	s, m := testServer(t)
	importAll(t, m, "home", "work")
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	if rec := call(s, true, "POST", ipc.PathProfile+"home/rename", `{"name":"house"}`); rec.Code != 409 || !strings.Contains(rec.Body.String(), "disconnect first") {
		t.Errorf("renaming the connected profile: %d %s", rec.Code, rec.Body)
	}
	m.Disconnect()
	for _, c := range []struct {
		from, body string
		code       int
	}{
		{"home", `{"name":"work"}`, 409},
		{"nope", `{"name":"other"}`, 404},
		{"home", `{"name":"../x"}`, 400},
		{"nope", `{"name":"nope"}`, 404},
	} {
		if rec := call(s, true, "POST", ipc.PathProfile+c.from+"/rename", c.body); rec.Code != c.code {
			t.Errorf("rename %s %s: %d %s", c.from, c.body, rec.Code, rec.Body)
		}
	}
	if rec := call(s, false, "POST", ipc.PathProfile+"home/rename", `{"name":"house"}`); rec.Code != 403 {
		t.Errorf("unprivileged rename: %d", rec.Code)
	}
	if rec := call(s, true, "POST", ipc.PathProfile+"work/rename", `{"name":"work"}`); rec.Code != 204 {
		t.Errorf("rename to the same name: %d %s", rec.Code, rec.Body)
	}
	if rec := call(s, true, "POST", ipc.PathProfile+"home/rename", `{"name":"house"}`); rec.Code != 204 {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if ps, _ := m.Profiles(); len(ps) != 2 || ps[0].Name != "house" || !ps[0].LastUsed || ps[1].Name != "work" {
		t.Errorf("profiles after rename: %+v", ps)
	}
	if st := m.Status(); st.Profile != "house" {
		t.Errorf("status names %q after the rename", st.Profile)
	}
	if j := m.loadJournal(); j.LastProfile != "house" {
		t.Errorf("journal names %q after the rename", j.LastProfile)
	}
	if err := m.Connect(""); err != nil {
		t.Fatalf("plain connect after the rename: %v", err)
	}
	waitState(t, m, ipc.Connected)
	if st := m.Status(); st.Profile != "house" {
		t.Errorf("plain connect used %q", st.Profile)
	}
}

// importAll stores the test profile under each name.
func importAll(t *testing.T, m *Manager, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := m.Import(name, testProfile); err != nil {
			t.Fatal(err)
		}
	}
}
