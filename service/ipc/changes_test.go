package ipc

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestOnlyCountersDiffer(t *testing.T) {
	hs1, hs2 := time.Unix(100, 0), time.Unix(200, 0)
	base := Status{State: Connected, Profile: "home", Addresses: []string{"10.0.0.2/32", "fd00::2/128"},
		RxBytes: 1, TxBytes: 2, LastHandshake: &hs1, DNS: DNSStatus{Upstreams: []string{"10.0.0.1"}}}
	counters := base
	counters.RxBytes, counters.TxBytes, counters.LastHandshake = 5000, 6000, &hs2
	if !OnlyCountersDiffer(base, counters) {
		t.Error("counters and handshake moved: want only counters differ")
	}
	if !OnlyCountersDiffer(base, base) {
		t.Error("equal statuses: want only counters differ")
	}
	for name, change := range map[string]func(*Status){
		"state":        func(s *Status) { s.State = Reconnecting },
		"profile":      func(s *Status) { s.Profile = "work" },
		"IPv6 address": func(s *Status) { s.Addresses = []string{"10.0.0.2/32"} },
		"DNS":          func(s *Status) { s.DNS.Upstreams = []string{"10.0.0.9"} },
		"kill switch":  func(s *Status) { s.KillSwitchEngaged = true },
		"IPv6 blocked": func(s *Status) { s.IPv6Blocked = true },
		"may control":  func(s *Status) { s.CanControl = true },
		"last error":   func(s *Status) { s.LastError = "no handshake" },
		"endpoint":     func(s *Status) { s.Endpoint = "[2001:db8::1]:51820" },
	} {
		other := counters
		change(&other)
		if OnlyCountersDiffer(base, other) {
			t.Errorf("%s changed: want a push", name)
		}
	}
}

// The rates filter sends a counters-only push while IdleRate or more moves,
// once more after the last moving push (the drop back to idle), and on a new
// handshake; an idle second goes unsent. Changes-only sends none of them,
// and every filter sends the first status and real changes.
func TestStreamFilterRates(t *testing.T) {
	hs1, hs2 := time.Unix(100, 0), time.Unix(220, 0)
	at := func(rx, tx uint64, hs *time.Time) Status {
		return Status{State: Connected, Profile: "home", RxBytes: rx, TxBytes: tx, LastHandshake: hs}
	}
	steps := []struct {
		why       string
		st        Status
		rates     bool // sent on a ?changes=rates stream
		onlyState bool // sent on a ?changes=only stream
	}{
		{"first status", at(500, 400, &hs1), true, true},
		{"idle: keepalives", at(532, 432, &hs1), false, false},
		{"idle: nothing", at(532, 432, &hs1), false, false},
		{"idle, 999 B since the last sent", at(1499, 432, &hs1), false, false},
		{"1000 B received since the last sent", at(1500, 432, &hs1), true, false},
		{"after a moving push: the drop shows", at(1500, 432, &hs1), true, false},
		{"idle again", at(1500, 432, &hs1), false, false},
		{"upload starts", at(1500, 2_000_432, &hs1), true, false},
		{"upload goes on", at(1500, 4_000_432, &hs1), true, false},
		{"upload stops, a keepalive in the same second", at(1532, 4_000_432, &hs1), true, false},
		{"the keepalive's push moved bytes: one more", at(1532, 4_000_432, &hs1), true, false},
		{"idle", at(1532, 4_000_432, &hs1), false, false},
		{"new handshake", at(1772, 4_000_524, &hs2), true, false},
		{"after the handshake's bytes", at(1772, 4_000_524, &hs2), true, false},
		{"idle", at(1772, 4_000_524, &hs2), false, false},
		{"state change", Status{State: Reconnecting, Profile: "home", RxBytes: 1772, TxBytes: 4_000_524, LastHandshake: &hs2}, true, true},
		{"new tunnel: counters start again", Status{State: Reconnecting, Profile: "home", RxBytes: 92, TxBytes: 148, LastHandshake: &hs2}, true, false},
	}
	all, _ := NewStreamFilter(url.Values{})
	rates, err := NewStreamFilter(url.Values{"changes": {"rates"}})
	if err != nil {
		t.Fatal(err)
	}
	only, err := NewStreamFilter(url.Values{"changes": {"only"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if got := rates.Send(s.st); got != s.rates {
			t.Errorf("step %d (%s): rates stream sends %v, want %v", i, s.why, got, s.rates)
		}
		if got := only.Send(s.st); got != s.onlyState {
			t.Errorf("step %d (%s): changes-only stream sends %v, want %v", i, s.why, got, s.onlyState)
		}
		if !all.Send(s.st) {
			t.Errorf("step %d (%s): the plain stream left it out", i, s.why)
		}
	}
}

func TestStreamFilterUnknown(t *testing.T) {
	for _, v := range []string{"all", "ONLY", "rate", " "} {
		if _, err := NewStreamFilter(url.Values{"changes": {v}}); err == nil || !strings.Contains(err.Error(), "unknown changes") {
			t.Errorf("changes=%q: err %v, want unknown", v, err)
		}
	}
}
