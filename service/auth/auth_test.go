package auth

import (
	"context"
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
