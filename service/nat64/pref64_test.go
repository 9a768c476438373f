package nat64

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// pref64 builds an option: scaled lifetime, PLC and the 12 prefix octets.
func pref64(scaled uint16, plc uint16, prefix string) []byte {
	a := netip.MustParseAddr(prefix).As16()
	w := scaled<<3 | plc
	return append([]byte{OptPREF64, 2, byte(w >> 8), byte(w)}, a[:12]...)
}

func TestParsePREF64(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  []byte
		want string
		life time.Duration
		err  string
	}{
		{"well-known /96", pref64(75, 0, "64:ff9b::"), "64:ff9b::/96", 600 * time.Second, ""},
		{"/64", pref64(1, 1, "2001:db8:1:2::"), "2001:db8:1:2::/64", 8 * time.Second, ""},
		{"/56", pref64(2, 2, "2001:db8:1:200::"), "2001:db8:1:200::/56", 16 * time.Second, ""},
		{"/48", pref64(8191, 3, "64:ff9b:1::"), "64:ff9b:1::/48", 65528 * time.Second, ""},
		{"/40", pref64(3, 4, "2001:db8:100::"), "2001:db8:100::/40", 24 * time.Second, ""},
		{"/32 with bits past the length ignored", pref64(3, 5, "2001:db8:ffff::"), "2001:db8::/32", 24 * time.Second, ""},
		{"zero lifetime withdraws", pref64(0, 0, "2001:db8:64::"), "2001:db8:64::/96", 0, ""},
		{"PLC 6", pref64(75, 6, "2001:db8:64::"), "", 0, "code 6"},
		{"PLC 7", pref64(75, 7, "2001:db8:64::"), "", 0, "code 7"},
		{"u octet set in a /96", pref64(75, 0, "2001:db8:0:0:ff00::"), "", 0, "bits 64-71"},
		{"length 3", append(append([]byte{OptPREF64, 3}, pref64(75, 0, "64:ff9b::")[2:]...), make([]byte, 8)...), "", 0, "want 2"},
		{"truncated", pref64(75, 0, "64:ff9b::")[:10], "", 0, "want 2"},
		{"other option", append([]byte{25, 2}, make([]byte, 14)...), "", 0, "not a PREF64"},
		{"empty", nil, "", 0, "not a PREF64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePREF64(tc.opt)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParsePREF64 = %+v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got.Prefix != netip.MustParsePrefix(tc.want) || got.Lifetime != tc.life {
				t.Fatalf("ParsePREF64 = %+v, %v; want %s for %s", got, err, tc.want, tc.life)
			}
		})
	}
}

func TestTableLearnAndExpire(t *testing.T) {
	now := time.Unix(1000, 0)
	r1 := Router{Interface: "eth0", Addr: netip.MustParseAddr("fe80::1")}
	r2 := Router{Interface: "wlan0", Addr: netip.MustParseAddr("fe80::2")}
	old, renum := netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("2001:db8:64::/96")
	var tb Table
	if !tb.Learn(r1, PREF64{Prefix: old, Lifetime: 60 * time.Second}, now) {
		t.Fatal("a new prefix is a change")
	}
	if tb.Learn(r1, PREF64{Prefix: old, Lifetime: 60 * time.Second}, now.Add(10*time.Second)) {
		t.Error("a refreshed lifetime is no change")
	}
	tb.Learn(r1, PREF64{Prefix: renum, Lifetime: 600 * time.Second}, now)
	prefixes := func(a []Announced) []netip.Prefix {
		var out []netip.Prefix
		for _, e := range a {
			out = append(out, e.Prefix)
		}
		return out
	}
	if got := prefixes(tb.Usable([]Router{r1}, now)); !slices.Equal(got, []netip.Prefix{renum, old}) {
		t.Errorf("Usable = %v, want the longest-lasting (%s) first", got, renum)
	}
	if got := tb.Usable([]Router{r2}, now); len(got) != 0 {
		t.Errorf("Usable through another router = %v, want nothing (a network the host left)", got)
	}
	withZone := Router{Interface: "eth0", Addr: netip.MustParseAddr("fe80::1%eth0")}
	if got := tb.Usable([]Router{withZone}, now); len(got) != 2 {
		t.Errorf("Usable with the router's zone = %v, want both prefixes", got)
	}
	if got := prefixes(tb.Usable([]Router{r1}, now.Add(70*time.Second))); !slices.Equal(got, []netip.Prefix{renum}) {
		t.Errorf("after 70 s Usable = %v, want only %s (the refreshed one lived to 70 s)", got, renum)
	}
	if !tb.Learn(r1, PREF64{Prefix: renum}, now.Add(80*time.Second)) {
		t.Error("a withdrawal is a change")
	}
	if got := tb.Usable([]Router{r1}, now.Add(80*time.Second)); len(got) != 0 {
		t.Errorf("after the withdrawal Usable = %v", got)
	}
	if tb.Learn(r1, PREF64{Prefix: renum}, now) {
		t.Error("withdrawing an unknown prefix is no change")
	}
	if e := tb.Expiry(now.Add(80 * time.Second)); !e.IsZero() {
		t.Errorf("Expiry of an empty table = %v", e)
	}
}

// The same prefix from two default routers is one prefix.
func TestTableDeduplicates(t *testing.T) {
	now := time.Unix(1000, 0)
	p := netip.MustParsePrefix("64:ff9b::/96")
	r1 := Router{Interface: "eth0", Addr: netip.MustParseAddr("fe80::1")}
	r2 := Router{Interface: "eth0", Addr: netip.MustParseAddr("fe80::2")}
	var tb Table
	tb.Learn(r1, PREF64{Prefix: p, Lifetime: time.Minute}, now)
	tb.Learn(r2, PREF64{Prefix: p, Lifetime: 2 * time.Minute}, now)
	got := tb.Usable([]Router{r1, r2}, now)
	if len(got) != 1 || got[0].Router != r2 {
		t.Errorf("Usable = %+v, want one entry, from %v (lasting longest)", got, r2)
	}
	if want := now.Add(time.Minute); !tb.Expiry(now).Equal(want) {
		t.Errorf("Expiry = %v, want %v", tb.Expiry(now), want)
	}
	// Once the first has expired, the next expiry is the second's, not a
	// time already past (a watcher would fire in a loop).
	if want := now.Add(2 * time.Minute); !tb.Expiry(now.Add(time.Minute)).Equal(want) {
		t.Errorf("Expiry after the first ran out = %v, want %v", tb.Expiry(now.Add(time.Minute)), want)
	}
}

func FuzzParsePREF64(f *testing.F) {
	f.Add(pref64(75, 0, "64:ff9b::"))
	f.Add(pref64(1, 5, "2001:db8::"))
	f.Fuzz(func(t *testing.T, opt []byte) {
		p, err := ParsePREF64(opt)
		if err != nil {
			return
		}
		if ValidPrefix(p.Prefix) != nil || p.Prefix != p.Prefix.Masked() {
			t.Fatalf("ParsePREF64(% x) = %s, not a masked RFC 6052 prefix", opt, p.Prefix)
		}
		if p.Lifetime < 0 || p.Lifetime > 65528*time.Second || p.Lifetime%(8*time.Second) != 0 {
			t.Fatalf("ParsePREF64(% x): lifetime %s", opt, p.Lifetime)
		}
		// Synthesis under a parsed prefix always works and round-trips.
		v4 := netip.MustParseAddr("198.51.100.7")
		s, err := Synthesize(p.Prefix, v4)
		if back, ok := Extract(p.Prefix, s); err != nil || !ok || back != v4 {
			t.Fatalf("under %s: %s, %v; back %s", p.Prefix, s, err, back)
		}
	})
}

// A list the OS keeps itself (macOS) is taken whole: what is no longer in
// it is withdrawn, a repeated read is no change, and another router's
// prefixes stay as they were.
func TestTableHold(t *testing.T) {
	now := time.Unix(1000, 0)
	en0 := Router{Interface: "en0", Addr: netip.MustParseAddr("fe80::1%en0")}
	en1 := Router{Interface: "en1", Addr: netip.MustParseAddr("fe80::2")}
	a, b := netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("2001:db8:64::/64")
	var tb Table
	if !tb.Hold(en0, []netip.Prefix{a, b}, now) {
		t.Fatal("a first list is a change")
	}
	tb.Learn(en1, PREF64{Prefix: b, Lifetime: time.Minute}, now)
	if tb.Hold(en0, []netip.Prefix{a, b}, now.Add(time.Hour)) {
		t.Error("the same list read again is a change")
	}
	if !tb.Hold(en0, []netip.Prefix{b}, now.Add(time.Hour)) {
		t.Error("a prefix gone from the list is no change")
	}
	got := tb.Usable([]Router{en0, en1}, now.Add(time.Hour))
	if len(got) != 1 || got[0].Prefix != b || got[0].Interface != "en0" {
		t.Errorf("after the list shrank: %v, want only %s from en0 (en1's expired)", got, b)
	}
	if len(got) == 1 && !got[0].Held {
		t.Errorf("a prefix from the OS's list is not marked held: %+v", got[0])
	}
	tb.Learn(en1, PREF64{Prefix: a, Lifetime: time.Hour}, now.Add(time.Hour))
	if got := tb.Usable([]Router{en1}, now.Add(time.Hour)); len(got) != 1 || got[0].Held {
		t.Errorf("a prefix from a router advertisement: %v, want one, not held", got)
	}
	if got := tb.Usable([]Router{en0}, now.Add(time.Hour+HeldLifetime-time.Second)); len(got) != 1 {
		t.Errorf("a held prefix ran out before its lifetime: %v", got)
	}
	if !tb.Hold(en0, nil, now.Add(2*time.Hour)) || len(tb.Usable([]Router{en0}, now.Add(2*time.Hour))) != 0 {
		t.Error("an empty list left prefixes")
	}
	if tb.Hold(en0, nil, now.Add(3*time.Hour)) {
		t.Error("an empty list again is a change")
	}
}
