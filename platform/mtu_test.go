package platform

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestChooseMTU(t *testing.T) {
	for _, c := range []struct {
		name    string
		profile int
		ups     []Uplink
		ipv6    bool
		want    int
		why     string
	}{
		{"profile wins", 1300, []Uplink{{"eth0", 1400}}, true, 1300, "profile"},
		{"ethernet", 0, []Uplink{{"eth0", 1500}}, true, 1420, "uplink eth0 1500 − 80"},
		{"pppoe v4 only", 0, []Uplink{{"ppp0", 1492}}, false, 1408, "uplink ppp0 1492 − 80, rounded down to 1408"},
		{"lan 1400 both", 0, []Uplink{{"eth0", 1400}}, true, 1312, "uplink eth0 1400 − 80, rounded down to 1312"},
		{"lan 1392 even", 0, []Uplink{{"eth0", 1392}}, true, 1312, "uplink eth0 1392 − 80"},
		{"lowest of two", 0, []Uplink{{"eth0", 1500}, {"wwan0", 1400}}, true, 1312, "wwan0"},
		{"jumbo capped", 0, []Uplink{{"eth0", 9000}}, true, 1420, "capped at 1420"},
		{"under 1360 with IPv6", 0, []Uplink{{"tun9", 1300}}, true, 1280, "raised to 1280"},
		{"under 1360 IPv4 only", 0, []Uplink{{"tun9", 1300}}, false, 1216, "uplink tun9 1300 − 80, rounded down to 1216"},
		{"tiny IPv4 only", 0, []Uplink{{"x", 600}}, false, 576, "raised to 576"},
		{"unknown", 0, nil, true, 1420, "uplink unknown"},
		{"zero MTU ignored", 0, []Uplink{{"x", 0}}, false, 1420, "uplink unknown"},
	} {
		got := ChooseMTU(c.profile, c.ups, c.ipv6)
		if got.MTU != c.want || !strings.Contains(got.Why, c.why) {
			t.Errorf("%s: got %d %q, want %d containing %q", c.name, got.MTU, got.Why, c.want, c.why)
		}
	}
}

func TestUplinksOf(t *testing.T) {
	eps := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:51820"), netip.MustParseAddrPort("[2001:db8::1]:51820"), netip.MustParseAddrPort("[::ffff:192.0.2.9]:51820")}
	got := UplinksOf(eps, "wg0", func(a netip.Addr, tun string) (Uplink, error) {
		if a.Is4In6() {
			return Uplink{"x", 0}, nil
		}
		if a.Is6() {
			return Uplink{}, errors.New("no route")
		}
		return Uplink{"eth0", 1400}, nil
	})
	if len(got) != 1 || got[0] != (Uplink{"eth0", 1400}) {
		t.Fatalf("got %v", got)
	}
}
