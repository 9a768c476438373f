package service

import (
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

// While the kill switch blocks, a record says so (stop "none"), so that a
// service killed without a clean stop still tells an ordinary user since
// when; it goes when the block goes (the user disconnects).
func TestRecordFollowsEngagedBlock(t *testing.T) {
	env, _ := testEnv(t, true)
	env.Firewall = &stateFirewall{}
	m, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, found, _ := keptblock.Read(env.StateDir); found {
		t.Fatal("a record before anything blocks")
	}
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	rec, found, err := keptblock.Read(env.StateDir)
	if !found || err != nil || rec.Stop != keptblock.StopNone || rec.Mode != string(settings.KillSwitchAuto) || len(rec.Families) != 2 {
		t.Fatalf("connected with auto: record %+v found %v (%v), want stop none, mode auto, both families", rec, found, err)
	}
	m.Disconnect()
	if _, found, err := keptblock.Read(env.StateDir); found || err != nil {
		t.Errorf("the record outlived the block after the user disconnected (%v)", err)
	}
}
