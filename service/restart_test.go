package service

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

func TestRestartMarkerCountsOnceAndExpires(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if takeRestartMarker(dir, now) {
		t.Fatal("a marker counted before PrepareRestart")
	}
	if err := PrepareRestart(dir); err != nil {
		t.Fatal(err)
	}
	if !takeRestartMarker(dir, now) {
		t.Error("a fresh marker did not count")
	}
	if takeRestartMarker(dir, now) {
		t.Error("a marker counted twice")
	}
	if err := PrepareRestart(dir); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-restartMarkerTTL - time.Minute)
	if err := os.Chtimes(filepath.Join(dir, restartMarker), old, old); err != nil {
		t.Fatal(err)
	}
	if takeRestartMarker(dir, now) {
		t.Error("a marker older than the TTL counted")
	}
	if _, err := os.Stat(filepath.Join(dir, restartMarker)); !os.IsNotExist(err) {
		t.Errorf("an expired marker was left: %v", err)
	}
}

// A clean stop after prepare-restart leaves the armed auto block in place
// as a persistent policy (WFP then keeps it past the process, as for mode
// always); a plain stop removes it.
func TestRestartStopKeepsArmedBlockPersistent(t *testing.T) {
	for _, prepared := range []bool{true, false} {
		env, _ := testEnv(t, true)
		fw := &recordingFirewall{}
		env.Firewall = fw
		m := newTestManager(t, env)
		if _, err := m.Import("home", testProfile); err != nil {
			t.Fatal(err)
		}
		if err := m.Connect("home"); err != nil {
			t.Fatal(err)
		}
		waitState(t, m, ipc.Connected)
		if p := fw.policy(); !p.Engaged || p.Persistent {
			t.Fatalf("connected with auto: engaged=%v persistent=%v, want engaged, not persistent", p.Engaged, p.Persistent)
		}
		if prepared {
			if err := PrepareRestart(env.StateDir); err != nil {
				t.Fatal(err)
			}
		}
		m.Close()
		fw.mu.Lock()
		p, removed := fw.last, fw.removed
		fw.mu.Unlock()
		if prepared && (!p.Engaged || !p.Persistent || removed != 0) {
			t.Errorf("stop after prepare-restart: engaged=%v persistent=%v removals=%d, want the block kept persistent", p.Engaged, p.Persistent, removed)
		}
		if !prepared && (removed == 0 || !p.Empty()) {
			t.Errorf("plain stop: removals=%d, last policy engaged=%v: the block must go", removed, p.Engaged)
		}
	}
}
