package dnsproxy

import (
	"net/netip"
	"testing"
)

func TestLocalClient(t *testing.T) {
	lo := map[string]bool{"lo": true, "1": true}
	for src, want := range map[string]bool{
		"127.0.0.1":          true,
		"127.80.73.65":       true,
		"::1":                true,
		"::ffff:127.0.0.1":   true,
		"fe80::80:73:65%lo":  true,
		"fe80::1234%1":       true,
		"192.168.1.5":        false,
		"10.0.0.1":           false,
		"169.254.1.1":        false,
		"::ffff:192.0.2.1":   false,
		"2001:db8::1":        false,
		"fd00::1":            false,
		"fe80::1%eth0":       false,
		"fe80::80:73:65%wg0": false,
		"fe80::80:73:65":     false,
		"::":                 false,
	} {
		if got := localClient(netip.MustParseAddr(src), lo); got != want {
			t.Errorf("localClient(%s) = %v, want %v", src, got, want)
		}
	}
	if localClient(netip.Addr{}, lo) {
		t.Error("invalid address accepted")
	}
}

func TestLoopbackZonesFindsLoopback(t *testing.T) {
	zones := loopbackZones()
	if !zones[loopbackZone] {
		t.Fatalf("loopback zones %v lack %q", zones, loopbackZone)
	}
}
