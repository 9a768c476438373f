package service

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
