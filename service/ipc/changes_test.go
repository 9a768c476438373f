package ipc

import (
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
