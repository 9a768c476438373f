package auth

import (
	"strings"
	"testing"
	"time"
)

var (
	root     = Identity{UID: 0, Authorized: true}
	member   = Identity{UID: 1001, Authorized: true} // in the palisade group
	alice    = Identity{UID: 1000}
	bob      = Identity{UID: 1002}
	stranger = Identity{UID: 65534}
)

// admitN admits n connections of id and returns their release functions,
// failing t at the first refusal.
func admitN(t *testing.T, a *Admission, id Identity, n int) []func() {
	t.Helper()
	var rel []func()
	for i := range n {
		r, err := a.Admit(id)
		if err != nil {
			t.Fatalf("connection %d of uid %d refused: %v", i+1, id.UID, err)
		}
		rel = append(rel, r)
	}
	return rel
}

func TestAdmissionPerUIDAndTotal(t *testing.T) {
	a := NewAdmission(Limits{PerUID: 3, Unprivileged: 5, LogEvery: time.Minute})
	relAlice := admitN(t, a, alice, 3)
	if _, err := a.Admit(alice); err == nil || !strings.Contains(err.Error(), "uid 1000") {
		t.Errorf("4th connection of alice: %v, want refused naming uid 1000", err)
	}
	// Other users still have their share, until the total is reached.
	admitN(t, a, bob, 2)
	if _, err := a.Admit(stranger); err == nil || !strings.Contains(err.Error(), "unprivileged users") {
		t.Errorf("connection over the total: %v, want refused by the total", err)
	}
	if u, total := a.Open(alice.UID); u != 3 || total != 5 {
		t.Errorf("open = %d of alice, %d in all; want 3, 5", u, total)
	}
	// Releasing gives the share back, once however often it is called.
	relAlice[0]()
	relAlice[0]()
	if u, total := a.Open(alice.UID); u != 2 || total != 4 {
		t.Errorf("after one release: %d of alice, %d in all; want 2, 4", u, total)
	}
	admitN(t, a, stranger, 1)
	if _, err := a.Admit(alice); err == nil {
		t.Error("total full again, but alice was admitted")
	}
}

func TestAdmissionNeverRefusesPrivileged(t *testing.T) {
	a := NewAdmission(Limits{PerUID: 2, Unprivileged: 2, LogEvery: time.Minute})
	admitN(t, a, alice, 2)
	if _, err := a.Admit(bob); err == nil {
		t.Fatal("limits not reached: bob admitted over the total")
	}
	rel := admitN(t, a, root, 1000)
	admitN(t, a, member, 1000)
	if _, total := a.Open(root.UID); total != 2 {
		t.Errorf("privileged connections counted against the unprivileged total: %d", total)
	}
	for _, r := range rel {
		r()
	}
	if _, total := a.Open(alice.UID); total != 2 {
		t.Errorf("releasing privileged connections changed the unprivileged count to %d", total)
	}
	// An unidentified peer is unprivileged and capped like anyone else.
	b := NewAdmission(Limits{PerUID: 1, Unprivileged: 10, LogEvery: time.Minute})
	admitN(t, b, Identity{UID: -1}, 1)
	if _, err := b.Admit(Identity{UID: -1}); err == nil {
		t.Error("unidentified peers are not capped")
	}
}

func TestShouldLogIsRateLimitedPerUIDAndKind(t *testing.T) {
	a := NewAdmission(Limits{PerUID: 1, Unprivileged: 1, LogEvery: time.Minute})
	t0 := time.Unix(1_000_000, 0)
	if ok, _ := a.ShouldLog(alice.UID, HitRefused, t0); !ok {
		t.Fatal("first hit of alice not logged")
	}
	for i := range 5 {
		if ok, _ := a.ShouldLog(alice.UID, HitRefused, t0.Add(time.Duration(i)*time.Second)); ok {
			t.Fatalf("hit %d of alice within a minute logged", i+2)
		}
	}
	if ok, _ := a.ShouldLog(bob.UID, HitRefused, t0.Add(time.Second)); !ok {
		t.Error("bob's first hit hidden by alice's")
	}
	if ok, _ := a.ShouldLog(alice.UID, HitStream, t0.Add(time.Second)); !ok {
		t.Error("alice's first stream drop hidden by her refusals")
	}
	ok, suppressed := a.ShouldLog(alice.UID, HitRefused, t0.Add(time.Minute))
	if !ok || suppressed != 5 {
		t.Errorf("alice after a minute: log %v with %d unlogged hits, want true with 5", ok, suppressed)
	}
	// What it remembers stays bounded by the uids of one interval.
	for uid := range 1000 {
		a.ShouldLog(100000+uid, HitRefused, t0.Add(2*time.Minute))
	}
	a.ShouldLog(alice.UID, HitRefused, t0.Add(4*time.Minute))
	if n := len(a.hits); n != 1 {
		t.Errorf("remembers %d uids after they all went quiet for two minutes, want 1", n)
	}
}

// Many uids without a login session (user namespaces) fill the shared
// pool; users with a session still get in, from the reserve, each within
// its own cap; the reserve is theirs alone and given back on release.
func TestAdmissionSessionReserve(t *testing.T) {
	a := NewAdmission(Limits{PerUID: 2, Unprivileged: 4, SessionReserve: 3, LogEvery: time.Minute})
	var held []func()
	for uid := 100000; uid < 100002; uid++ {
		held = append(held, admitN(t, a, Identity{UID: uid}, 2)...)
	}
	if _, err := a.Admit(Identity{UID: 100002}); err == nil || !strings.Contains(err.Error(), "kept for logged-in users") {
		t.Errorf("a uid without a session beyond the shared pool: %v", err)
	}
	carol := Identity{UID: 1000, Session: true}
	dave := Identity{UID: 1001, Session: true}
	relCarol := admitN(t, a, carol, 2)
	if _, err := a.Admit(carol); err == nil || !strings.Contains(err.Error(), "uid 1000") {
		t.Errorf("a session user beyond its own cap: %v", err)
	}
	relDave := admitN(t, a, dave, 1)
	if _, err := a.Admit(dave); err == nil || !strings.Contains(err.Error(), "3 kept for logged-in users are taken") {
		t.Errorf("a session user with the reserve taken: %v", err)
	}
	if _, all := a.Open(1000); all != 7 {
		t.Errorf("Open counts %d unprivileged connections, want 7", all)
	}
	relCarol[0]()
	admitN(t, a, dave, 1)
	// A connection from the shared pool given back lets a uid without a
	// session in again; the reserve never does.
	held[0]()
	admitN(t, a, Identity{UID: 100002}, 1)
	if _, err := a.Admit(Identity{UID: 100003}); err == nil {
		t.Error("a uid without a session took a place in the reserve")
	}
	relDave[0]()
	if _, err := a.Admit(Identity{UID: 100003}); err == nil {
		t.Error("a uid without a session took a place given back to the reserve")
	}
}
