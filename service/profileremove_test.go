package service

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

func TestRemoveProfileForgetsItsName(t *testing.T) {
	m, _ := testManager(t, true)
	for _, name := range []string{"home", "work"} {
		if _, err := m.Import(name, testProfile); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	m.Disconnect()
	if st := m.Status(); st.State != ipc.Disconnected || st.Profile != "home" {
		t.Fatalf("after disconnect: state %s, profile %q", st.State, st.Profile)
	}
	// Removing another profile leaves the last one named.
	if err := m.RemoveProfile("work"); err != nil {
		t.Fatal(err)
	}
	if st := m.Status(); st.Profile != "home" {
		t.Errorf("removing work changed the profile to %q", st.Profile)
	}
	updates, stop := m.Subscribe()
	defer stop()
	<-updates // the current status
	if err := m.RemoveProfile("home"); err != nil {
		t.Fatal(err)
	}
	select {
	case st := <-updates:
		if st.Profile != "" {
			t.Errorf("pushed status after removal names %q", st.Profile)
		}
	case <-time.After(10 * time.Second):
		t.Error("no status pushed after removing the named profile")
	}
	if st := m.Status(); st.Profile != "" {
		t.Errorf("status after removal names %q", st.Profile)
	}
	if j := m.loadJournal(); j.LastProfile != "" || j.Connected {
		t.Errorf("journal after removal: %+v", j)
	}
	if err := m.Connect(""); err == nil {
		t.Error("a plain connect went ahead after the last used profile was removed")
	}
}
