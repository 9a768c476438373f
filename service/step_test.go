package service

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

func TestStep(t *testing.T) {
	tm := Timing{HandshakeTimeout: 20 * time.Second, StaleAfter: 180 * time.Second}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var zero time.Time
	tests := []struct {
		name      string
		phase     ipc.State
		since     time.Time
		retry     time.Time
		hs, now   time.Time
		want      ipc.State
		wantRearm bool
	}{
		{"connecting waits", ipc.Connecting, t0, zero, zero, t0.Add(5 * time.Second), ipc.Connecting, false},
		{"handshake connects", ipc.Connecting, t0, zero, t0.Add(time.Second), t0.Add(2 * time.Second), ipc.Connected, false},
		{"old handshake does not count", ipc.Connecting, t0, zero, t0.Add(-time.Minute), t0.Add(2 * time.Second), ipc.Connecting, false},
		{"handshake timeout errors", ipc.Connecting, t0, zero, zero, t0.Add(21 * time.Second), ipc.Error, false},
		{"error waits for retry", ipc.Error, t0, t0.Add(10 * time.Second), zero, t0.Add(5 * time.Second), ipc.Error, false},
		{"error retries", ipc.Error, t0, t0.Add(10 * time.Second), zero, t0.Add(10 * time.Second), ipc.Connecting, true},
		{"late handshake in error connects", ipc.Error, t0, t0.Add(10 * time.Second), t0.Add(3 * time.Second), t0.Add(4 * time.Second), ipc.Connected, false},
		{"connected stays", ipc.Connected, t0, zero, t0.Add(100 * time.Second), t0.Add(200 * time.Second), ipc.Connected, false},
		{"stale handshake reconnects", ipc.Connected, t0, zero, t0, t0.Add(181 * time.Second), ipc.Reconnecting, true},
		{"reconnecting recovers", ipc.Reconnecting, t0, zero, t0.Add(time.Second), t0.Add(2 * time.Second), ipc.Connected, false},
		{"reconnecting re-arms after timeout", ipc.Reconnecting, t0, zero, zero, t0.Add(21 * time.Second), ipc.Reconnecting, true},
	}
	for _, tt := range tests {
		got, reason, rearm := step(tm, tt.phase, tt.since, tt.retry, tt.hs, tt.now)
		if got != tt.want || rearm != tt.wantRearm || reason == "" {
			t.Errorf("%s: step = %s (%q) rearm %v, want %s rearm %v", tt.name, got, reason, rearm, tt.want, tt.wantRearm)
		}
	}
}

func TestBackoff(t *testing.T) {
	tm := Timing{RetryMin: 2 * time.Second, RetryMax: 60 * time.Second}
	want := []time.Duration{2, 4, 8, 16, 32, 60, 60}
	for i, w := range want {
		if got := backoff(tm, i+1); got != w*time.Second {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w*time.Second)
		}
	}
}
