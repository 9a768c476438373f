package auth

import (
	"context"
	"errors"
	"testing"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name      string
		uid       int
		gids      []int
		groupGID  int
		haveGroup bool
		want      bool
	}{
		{"root", 0, nil, 0, false, true},
		{"root without group", 0, []int{0}, 0, false, true},
		{"member", 1000, []int{1000, 4242}, 4242, true, true},
		{"member primary group", 1000, []int{4242}, 4242, true, true},
		{"non-member", 1000, []int{1000, 27}, 4242, true, false},
		{"no group on host", 1000, []int{1000, 0}, 0, false, false},
		{"gid 0 is not root", 1000, []int{0}, 4242, true, false},
		{"nobody", 65534, []int{65534}, 4242, true, false},
		{"unknown peer", -1, nil, 4242, true, false},
	}
	for _, tt := range tests {
		if got := Decide(tt.uid, tt.gids, tt.groupGID, tt.haveGroup); got != tt.want {
			t.Errorf("%s: Decide(%d, %v, %d, %v) = %v, want %v", tt.name, tt.uid, tt.gids, tt.groupGID, tt.haveGroup, got, tt.want)
		}
	}
}

func TestDecideCapped(t *testing.T) {
	const palisade = 4242
	full := []int{20, 12, 61, 79, 80, 81, 98, 701, 33, 100, 204, 250, 395, 398, 399, 400}
	member := func(uid, gid int) (bool, error) { return uid == 501 && gid == palisade, nil }
	broken := func(uid, gid int) (bool, error) { return true, errors.New("opendirectoryd down") }
	asked := 0
	counting := func(uid, gid int) (bool, error) { asked++; return false, nil }
	tests := []struct {
		name   string
		uid    int
		gids   []int
		member func(uid, gid int) (bool, error)
		want   bool
	}{
		// The 17th group never reaches the kernel credential.
		{"member beyond the 16 reported groups", 501, full, member, true},
		{"non-member with 16 groups", 502, full, member, false},
		{"lookup failure denies", 501, full, broken, false},
		{"member within the reported groups", 502, []int{20, palisade}, broken, true},
		{"short list is complete", 501, full[:5], member, false},
		{"unknown peer", -1, full, member, false},
	}
	for _, tt := range tests {
		if got := DecideCapped(tt.uid, tt.gids, palisade, true, 16, tt.member); got != tt.want {
			t.Errorf("%s: DecideCapped = %v, want %v", tt.name, got, tt.want)
		}
	}
	if DecideCapped(501, full, palisade, false, 16, counting) || asked != 0 {
		t.Errorf("no palisade group on the host: authorized or asked the database (%d)", asked)
	}
}

func TestDecideSIDs(t *testing.T) {
	const user = "S-1-5-21-1-2-3-1001"
	const group = "S-1-5-21-1-2-3-1010"
	tests := []struct {
		name     string
		user     string
		enabled  []string
		palisade string
		want     bool
	}{
		{"system", sidLocalSystem, nil, "", true},
		{"elevated admin", user, []string{"S-1-1-0", sidAdministrators}, "", true},
		{"filtered admin", user, []string{"S-1-1-0", "S-1-5-32-545"}, "", false},
		{"palisade member", user, []string{"S-1-1-0", group}, group, true},
		{"group missing on host", user, []string{"S-1-1-0"}, "", false},
		{"empty sid is no group", user, []string{""}, "", false},
		{"other user", user, []string{"S-1-5-32-545"}, group, false},
	}
	for _, tt := range tests {
		if got := decideSIDs(tt.user, tt.enabled, tt.palisade); got != tt.want {
			t.Errorf("%s: decideSIDs = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIdentityContext(t *testing.T) {
	if _, ok := IdentityFrom(context.Background()); ok {
		t.Fatal("IdentityFrom found an identity in an empty context")
	}
	want := Identity{UID: 1000, GIDs: []int{1000}, Name: "alice", Authorized: true}
	got, ok := IdentityFrom(WithIdentity(context.Background(), want))
	if !ok || got.UID != want.UID || got.Name != want.Name || !got.Authorized {
		t.Fatalf("IdentityFrom = %+v, %v; want %+v", got, ok, want)
	}
}

// A Windows token of an interactive logon carries the enabled INTERACTIVE
// group; a service's or a network logon's does not.
func TestInteractiveSIDs(t *testing.T) {
	if !interactiveSIDs([]string{"S-1-1-0", sidInteractive, "S-1-5-11"}) {
		t.Error("interactive logon not seen")
	}
	if interactiveSIDs([]string{"S-1-1-0", "S-1-5-2", "S-1-5-11"}) {
		t.Error("a network logon seen as interactive")
	}
}
