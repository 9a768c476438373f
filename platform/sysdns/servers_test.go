package sysdns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func TestParseResolvConf(t *testing.T) {
	in := "# comment\n; other comment\nsearch home.test\nnameserver 192.168.50.1\n" +
		"nameserver\tfd50::1   # trailing\n nameserver fe80::1%eth0\nnameserver ::ffff:10.0.0.1\n" +
		"nameserver bogus\nnameserver 0.0.0.0\nnameservers 1.1.1.1\noptions edns0\n"
	got := parseResolvConf([]byte(in))
	want := addrs("192.168.50.1", "fd50::1", "fe80::1%eth0", "10.0.0.1")
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestForeign(t *testing.T) {
	cases := []struct{ in, want []netip.Addr }{
		// Palisade's own resolver never counts; duplicates go.
		{addrs("127.80.73.65", "fe80::80:73:65%lo", "192.168.50.1", "192.168.50.1", "fd50::1"), addrs("192.168.50.1", "fd50::1")},
		// A local caching resolver only when nothing else is there.
		{addrs("127.0.0.1", "192.168.50.1"), addrs("192.168.50.1")},
		{addrs("127.0.0.1", "::1"), addrs("127.0.0.1", "::1")},
		{addrs("127.80.73.65"), nil},
		// Windows' placeholders for an adapter without IPv6 DNS.
		{addrs("fec0:0:0:ffff::1%12", "fec0:0:0:ffff::2%12", "fec0:0:0:ffff::3%12", "192.168.50.1", "fec0::53"), addrs("192.168.50.1", "fec0::53")},
	}
	for _, c := range cases {
		if got := foreign(c.in); !slices.Equal(got, c.want) {
			t.Errorf("foreign(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestOnlyStub(t *testing.T) {
	if !onlyStub(addrs("127.0.0.53")) || onlyStub(addrs("127.0.0.53", "192.168.50.1")) || onlyStub(nil) {
		t.Error("onlyStub misjudged")
	}
}

func TestJournaledServers(t *testing.T) {
	state := []scutilEntry{{Name: "ServerAddresses", Array: true, Values: []string{"192.168.1.1", "fe80::1%en0"}}, {Name: "DomainName", Values: []string{"lan"}}}
	setup := []scutilEntry{{Name: "ServerAddresses", Array: true, Values: []string{"9.9.9.9"}}}
	if got := journaledServers(map[string][]scutilEntry{"State:/Network/Service/A/DNS": state}); !slices.Equal(got, addrs("192.168.1.1", "fe80::1%en0")) {
		t.Errorf("state only: %v", got)
	}
	both := map[string][]scutilEntry{"State:/Network/Service/A/DNS": state, "Setup:/Network/Service/A/DNS": setup}
	if got := journaledServers(both); !slices.Equal(got, addrs("9.9.9.9")) {
		t.Errorf("manual servers must win: %v", got)
	}
	// Every service is journaled: per service manual servers win; services
	// that were up come first; a service known only by its manual servers
	// (down when journaled) last.
	every := map[string][]scutilEntry{
		"State:/Network/Service/A/DNS": state, "Setup:/Network/Service/A/DNS": setup,
		"State:/Network/Service/B/DNS":      {{Name: "ServerAddresses", Array: true, Values: []string{"10.0.0.1", "9.9.9.9"}}},
		"Setup:/Network/Service/0-DOWN/DNS": {{Name: "ServerAddresses", Array: true, Values: []string{"1.1.1.1"}}},
		"State:/Network/Service/C/DNS":      nil,
	}
	if got := journaledServers(every); !slices.Equal(got, addrs("9.9.9.9", "10.0.0.1", "1.1.1.1")) {
		t.Errorf("every service: %v", got)
	}
	// A key that did not exist is journaled as nil.
	if got := journaledServers(map[string][]scutilEntry{"State:/Network/Service/A/DNS": nil}); len(got) != 0 {
		t.Errorf("missing key: %v", got)
	}
}

// FuzzParseResolvConf checks that every address returned appears on a
// nameserver line of the input. Seeds are in testdata/fuzz.
func FuzzParseResolvConf(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, a := range parseResolvConf(data) {
			if !a.IsValid() || a.IsUnspecified() || a.Is4In6() {
				t.Fatalf("bad address %v", a)
			}
			if !strings.Contains(string(data), "nameserver") {
				t.Fatalf("address %v without a nameserver line", a)
			}
		}
	})
}
