package nat64

import (
	"net/netip"
	"slices"
	"testing"
)

// RFC 6052 section 2.4's table: 192.0.2.33 under each prefix length.
var rfc6052Examples = []struct{ prefix, addr string }{
	{"2001:db8::/32", "2001:db8:c000:221::"},
	{"2001:db8:100::/40", "2001:db8:1c0:2:21::"},
	{"2001:db8:122::/48", "2001:db8:122:c000:2:2100::"},
	{"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"},
	{"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"},
	{"2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33"},
	{"64:ff9b::/96", "64:ff9b::192.0.2.33"},
}

func TestSynthesizeAndExtractRFC6052(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.33")
	for _, ex := range rfc6052Examples {
		p, want := netip.MustParsePrefix(ex.prefix), netip.MustParseAddr(ex.addr)
		got, err := Synthesize(p, v4)
		if err != nil || got != want {
			t.Errorf("Synthesize(%s, %s) = %s, %v; want %s", p, v4, got, err, want)
		}
		if back, ok := Extract(p, want); !ok || back != v4 {
			t.Errorf("Extract(%s, %s) = %s, %v; want %s", p, want, back, ok, v4)
		}
	}
}

func TestInvalid(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.33")
	for _, p := range []string{"2001:db8::/33", "2001:db8::/128", "192.0.2.0/24", "::ffff:0:0/96"} {
		if a, err := Synthesize(netip.MustParsePrefix(p), v4); err == nil {
			t.Errorf("Synthesize under %s = %s, want an error", p, a)
		}
	}
	if a, err := Synthesize(WellKnown, netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Errorf("Synthesize of an IPv6 address = %s, want an error", a)
	}
	if _, ok := Extract(WellKnown, netip.MustParseAddr("2001:db8::1")); ok {
		t.Error("Extract outside the prefix succeeded")
	}
}

func TestDiscover(t *testing.T) {
	addrs := func(ss ...string) []netip.Addr {
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	pfx := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	synth := func(prefix string) []string {
		var out []string
		for _, w := range wellKnownAddrs {
			a, err := Synthesize(netip.MustParsePrefix(prefix), w)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, a.String())
		}
		return out
	}
	tests := []struct {
		name    string
		answers []netip.Addr
		want    []netip.Prefix
	}{
		{"well-known", addrs("64:ff9b::c000:aa", "64:ff9b::c000:ab"), pfx("64:ff9b::/96")},
		{"network-specific /96", addrs(synth("2001:db8:64::/96")...), pfx("2001:db8:64::/96")},
		{"/64", addrs(synth("2001:db8:122:344::/64")...), pfx("2001:db8:122:344::/64")},
		{"/56", addrs(synth("2001:db8:122:300::/56")...), pfx("2001:db8:122:300::/56")},
		{"/48", addrs(synth("2001:db8:122::/48")...), pfx("2001:db8:122::/48")},
		{"/40", addrs(synth("2001:db8:100::/40")...), pfx("2001:db8:100::/40")},
		{"/32", addrs(synth("2001:db8::/32")...), pfx("2001:db8::/32")},
		{"one answer only", addrs(synth("2001:db8::/32")[1]), pfx("2001:db8::/32")},
		{"two translators", append(addrs(synth("2001:db8:1::/96")...), addrs(synth("64:ff9b::/96")...)...), pfx("2001:db8:1::/96", "64:ff9b::/96")},
		{"a real AAAA is no NAT64", addrs("2001:db8::1"), nil},
		{"IPv4 answers are ignored", addrs("192.0.0.170", "192.0.0.171"), nil},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		if got := Discover(tt.answers); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Discover(%v) = %v, want %v", tt.name, tt.answers, got, tt.want)
		}
	}
}

// Discover, Synthesize and Extract agree for every prefix length and
// never panic on any address.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte{0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 0, 170}, uint8(96))
	f.Add([]byte{0x20, 0x01, 0x0d, 0xb8, 0xc0, 0, 0, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(32))
	f.Fuzz(func(t *testing.T, raw []byte, bits uint8) {
		if len(raw) < 16 {
			return
		}
		a := netip.AddrFrom16([16]byte(raw[:16]))
		Discover([]netip.Addr{a})
		p := netip.PrefixFrom(a, int(bits)%129).Masked()
		if ValidPrefix(p) != nil {
			return
		}
		for _, w := range wellKnownAddrs {
			s, err := Synthesize(p, w)
			if err != nil {
				t.Fatalf("Synthesize(%s, %s): %v", p, w, err)
			}
			if back, ok := Extract(p, s); !ok || back != w {
				t.Fatalf("Extract(%s, %s) = %s, %v", p, s, back, ok)
			}
			if got := Discover([]netip.Addr{s}); len(got) != 1 || got[0].Bits() < p.Bits() || !got[0].Contains(s) {
				t.Fatalf("Discover(%s) = %v, want a prefix of %s", s, got, p)
			}
		}
	})
}

// RFC 6052 section 2.2: bits 64 to 71 (the u octet) are zero in every
// address of the format, so a /96 prefix with them set is not one, an
// address with them set holds no IPv4 address, and discovery takes no
// prefix from an answer with them set.
func TestUOctet(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.33")
	p96 := netip.MustParsePrefix("2001:db8:122:344:ff00::/96")
	if a, err := Synthesize(p96, v4); err == nil {
		t.Errorf("Synthesize under %s (u octet set) = %s, want an error", p96, a)
	}
	for _, c := range []struct{ prefix, addr string }{
		{"2001:db8::/32", "2001:db8:c000:221:ff00::"},
		{"2001:db8:100::/40", "2001:db8:1c0:2:ff21::"},
		{"2001:db8:122:344::/64", "2001:db8:122:344:1c0:2:2100:0"},
	} {
		p, a := netip.MustParsePrefix(c.prefix), netip.MustParseAddr(c.addr)
		if got, ok := Extract(p, a); ok {
			t.Errorf("Extract(%s, %s) = %s, want none: the u octet is set", p, a, got)
		}
	}
	// 192.0.0.170 under 2001:db8::/32, but with the u octet set: no answer
	// of a DNS64 resolver.
	bogus := netip.MustParseAddr("2001:db8:c000:aa:100::")
	if got := Discover([]netip.Addr{bogus}); got != nil {
		t.Errorf("Discover(%s) = %v, want nothing", bogus, got)
	}
}
