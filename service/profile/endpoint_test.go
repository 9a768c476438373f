package profile

import (
	"net/netip"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		in, host, str string
		port          uint16
		ip            bool
	}{
		{"198.51.100.1:51820", "198.51.100.1", "198.51.100.1:51820", 51820, true},
		{"[2001:DB8::1]:443", "2001:db8::1", "[2001:db8::1]:443", 443, true},
		{"[fe80::1%eth0]:51820", "fe80::1%eth0", "[fe80::1%eth0]:51820", 51820, true},
		{"[::ffff:198.51.100.1]:1", "::ffff:198.51.100.1", "[::ffff:198.51.100.1]:1", 1, true},
		{"vpn.example.com:65535", "vpn.example.com", "vpn.example.com:65535", 65535, false},
		{"localhost:51820", "localhost", "localhost:51820", 51820, false},
		{"se-sto-wg-001.relays.mullvad.net.:51820", "se-sto-wg-001.relays.mullvad.net.", "se-sto-wg-001.relays.mullvad.net.:51820", 51820, false},
	}
	for _, tt := range tests {
		e, err := ParseEndpoint(tt.in)
		if err != nil {
			t.Errorf("ParseEndpoint(%q): %v", tt.in, err)
			continue
		}
		if e.Host != tt.host || e.Port != tt.port || e.String() != tt.str {
			t.Errorf("ParseEndpoint(%q) = %+v (%s), want host %q port %d (%s)", tt.in, e, e, tt.host, tt.port, tt.str)
		}
		a, ok := e.Addr()
		if ok != tt.ip || ok && a != netip.MustParseAddr(tt.host) {
			t.Errorf("%q.Addr() = %v, %v", tt.in, a, ok)
		}
	}
}

func TestValidDomain(t *testing.T) {
	good := []string{"example.com", "a", "xn--bcher-kva.example", "home.arpa.", "1password.com", "a-b.c0"}
	bad := []string{"", ".", "a..b", "-a.com", "a-.com", "a_b.com", "1.2.3.4", "exa mple.com", "ünï.com",
		string(make([]byte, 64)) + ".com"}
	for _, s := range good {
		if !validDomain(s) {
			t.Errorf("validDomain(%q) = false", s)
		}
	}
	for _, s := range bad {
		if validDomain(s) {
			t.Errorf("validDomain(%q) = true", s)
		}
	}
}
