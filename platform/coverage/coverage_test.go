package coverage

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The official WireGuard apps' "exclude private IPs" lists: every public
// IPv4 range (no RFC 1918, no 224/3), and the IPv6 variant some generators
// add (no ULA, link-local or multicast).
const (
	excludePrivate4 = "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/3, 160.0.0.0/5, 168.0.0.0/6, 172.0.0.0/12, 172.32.0.0/11, 172.64.0.0/10, 172.128.0.0/9, 173.0.0.0/8, 174.0.0.0/7, 176.0.0.0/4, 192.0.0.0/9, 192.128.0.0/11, 192.160.0.0/13, 192.169.0.0/16, 192.170.0.0/15, 192.172.0.0/14, 192.176.0.0/12, 192.192.0.0/10, 193.0.0.0/8, 194.0.0.0/7, 196.0.0.0/6, 200.0.0.0/5, 208.0.0.0/4"
	excludePrivate6 = "::/1, 8000::/2, c000::/3, e000::/4, f000::/5, f800::/6, fe00::/9, fec0::/10"
)

func list(s string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, netip.MustParsePrefix(f))
		}
	}
	return out
}

func TestFull(t *testing.T) {
	tests := []struct {
		name         string
		allowed      string
		full4, full6 bool
	}{
		{"nothing", "", false, false},
		{"/0 both", "0.0.0.0/0, ::/0", true, true},
		{"/0 IPv4 only", "0.0.0.0/0", true, false},
		{"/0 IPv6 only", "::/0", false, true},
		{"/1 halves", "0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1", true, true},
		{"IPv4 halves only", "0.0.0.0/1, 128.0.0.0/1", true, false},
		{"the upper halves", "128.0.0.0/1, 8000::/1", false, false},
		{"::/1 holds all of 2000::/3", "0.0.0.0/1, ::/1", false, true},
		{"exclude private IPv4", excludePrivate4, true, false},
		{"exclude private IPv4 plus ::/0", excludePrivate4 + ", ::/0", true, true},
		{"exclude private both", excludePrivate4 + ", " + excludePrivate6, true, true},
		{"exclude private with a private DNS server", excludePrivate4 + ", 192.168.1.1/32", true, false},
		{"IPv6 global unicast without NAT64 leaves the IPv4 Internet out", "2000::/3", false, false},
		{"IPv6 global unicast and the NAT64 prefixes", "2000::/3, 64:ff9b::/96, 64:ff9b:1::/48", false, true},
		{"IPv6 global unicast and the well-known NAT64 prefix only", "2000::/3, 64:ff9b::/96", false, false},
		{"IPv6 global unicast minus 3fff:ffff::/32", "2000::/4, 3000::/5, 3800::/6, 3c00::/7, 3e00::/8, 3f00::/9, 3f80::/10, 3fc0::/11, 3fe0::/12, 3ff0::/13, 3ff8::/14, 3ffc::/15, 3ffe::/16, 3fff::/17, 3fff:8000::/18, 3fff:c000::/19, 3fff:e000::/20, 3fff:f000::/21, 3fff:f800::/22, 3fff:fc00::/23, 3fff:fe00::/24, 3fff:ff00::/25, 3fff:ff80::/26, 3fff:ffc0::/27, 3fff:ffe0::/28, 3fff:fff0::/29, 3fff:fff8::/30, 3fff:fffc::/31, 3fff:fffe::/32", false, false},
		{"public IPv4 missing 8.0.0.0/7", strings.Replace(excludePrivate4, "8.0.0.0/7, ", "", 1), false, false},
		{"public IPv4 missing 203.0.113.0/24", "0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/5, 200.0.0.0/7, 202.0.0.0/8, 203.0.0.0/18, 203.0.64.0/19, 203.0.96.0/20, 203.0.112.0/24, 203.0.114.0/23, 203.0.116.0/22, 203.0.120.0/21, 203.0.128.0/17, 203.1.0.0/16, 203.2.0.0/15, 203.4.0.0/14, 203.8.0.0/13, 203.16.0.0/12, 203.32.0.0/11, 203.64.0.0/10, 203.128.0.0/9, 204.0.0.0/6, 208.0.0.0/4", false, false},
		{"split: private ranges", "10.0.0.0/8, 192.168.0.0/16, fd00::/8", false, false},
		{"split: one host", "198.51.100.2/32, 2001:db8::2/128", false, false},
		{"split: all of ULA and link-local is not IPv6", "fc00::/7, fe80::/10, ff00::/8", false, false},
		{"host bits ignored", "0.0.0.1/1, 128.0.0.1/1", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := list(tt.allowed)
			if got := Full(a, IPv4); got != tt.full4 {
				t.Errorf("Full(IPv4) = %v, want %v", got, tt.full4)
			}
			if got := Full(a, IPv6); got != tt.full6 {
				t.Errorf("Full(IPv6) = %v, want %v", got, tt.full6)
			}
		})
	}
}

// Every /8 of IPv4 covers it; all but one of them do not, unless the
// missing one is left outside on purpose.
func TestFullManyPrefixes(t *testing.T) {
	var all []netip.Prefix
	for i := range 256 {
		all = append(all, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i)}), 8))
	}
	if !Full(all, IPv4) {
		t.Error("256 /8s are not full")
	}
	if Full(all[1:2], IPv4) || Full(append(all[:11:11], all[12:]...), IPv4) {
		t.Error("a missing public /8 (11/8) still counts as full")
	}
	if !Full(append(all[:10:10], all[11:]...), IPv4) {
		t.Error("leaving out 10/8 is not full")
	}
}

func TestLeft(t *testing.T) {
	tests := []struct {
		allowed string
		f       Family
		want    string
	}{
		{"0.0.0.0/0, ::/0", IPv4, ""},
		{"0.0.0.0/1, 128.0.0.0/1", IPv4, ""},
		{excludePrivate4, IPv4, "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3"},
		{excludePrivate6, IPv6, "fc00::/7, fe80::/10, ff00::/8"},
		{excludePrivate4, IPv6, "::/0"},
		{"0.0.0.0/1", IPv4, "128.0.0.0/1"},
		{"0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/5, 200.0.0.0/7, 202.0.0.0/8, 203.0.0.0/18, 203.0.64.0/19, 203.0.96.0/20, 203.0.112.0/24, 203.0.114.0/23, 203.0.116.0/22, 203.0.120.0/21, 203.0.128.0/17, 203.1.0.0/16, 203.2.0.0/15, 203.4.0.0/14, 203.8.0.0/13, 203.16.0.0/12, 203.32.0.0/11, 203.64.0.0/10, 203.128.0.0/9, 204.0.0.0/6, 208.0.0.0/4", IPv4, "203.0.113.0/24, 224.0.0.0/3"},
	}
	for _, tt := range tests {
		got := Left(list(tt.allowed), tt.f)
		if want := list(tt.want); !reflect.DeepEqual(got, want) {
			t.Errorf("Left(%.40s…, %v) = %v, want %v", tt.allowed, tt.f, got, want)
		}
	}
}

// The tables hold what their comments say: each range left outside is of
// its family, and the public addresses of the test bed are not among them.
func TestTables(t *testing.T) {
	for f, s := range spans {
		for _, p := range s.outside {
			if Of(p) != f || p != p.Masked() {
				t.Errorf("%v table holds %v", f, p)
			}
		}
	}
	for _, a := range []string{"1.1.1.1", "203.0.113.10", "198.51.100.2", "8.8.8.8", "2001:db8:200::10", "2606:4700:4700::1111"} {
		addr := netip.MustParseAddr(a)
		for _, p := range spans[Of(netip.PrefixFrom(addr, 0))].outside {
			if p.Contains(addr) {
				t.Errorf("public %s is left outside by %v", a, p)
			}
		}
	}
}

// TestFullAgreesWithLeft checks Full and Left against each other and
// against single addresses on random prefix sets: what Left returns is
// disjoint from allowed, allowed and Left together are the whole family,
// and a family is full exactly when everything left lies in its table.
func TestFullAgreesWithLeft(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	fulls := map[Family]int{}
	for i := range 1000 {
		f := []Family{IPv4, IPv6}[i%2]
		allowed := randomPrefixes(rng, f, 1+rng.IntN(40))
		left := Left(allowed, f)
		for _, l := range left {
			for _, a := range allowed {
				if l.Overlaps(a) {
					t.Fatalf("%v: left %v overlaps allowed %v", allowed, l, a)
				}
			}
		}
		if !covers(spans[f].all, append(slices.Clone(allowed), left...)) {
			t.Fatalf("%v: allowed and left %v do not make up %v", allowed, left, f)
		}
		inTable := true
		for _, l := range left {
			inTable = inTable && covers(l, spans[f].outside)
		}
		if inTable {
			fulls[f]++
		}
		if Full(allowed, f) != inTable {
			t.Fatalf("%v: Full = %v, but left %v in table = %v", allowed, Full(allowed, f), left, inTable)
		}
		// A random address is in allowed or in left, never both.
		addr := randomPrefixes(rng, f, 1)[0].Addr()
		inAllowed := slices.ContainsFunc(allowed, func(p netip.Prefix) bool { return p.Contains(addr) })
		inLeft := slices.ContainsFunc(left, func(p netip.Prefix) bool { return p.Contains(addr) })
		if inAllowed == inLeft {
			t.Fatalf("%v: %v in allowed %v, in left %v", allowed, addr, inAllowed, inLeft)
		}
	}
	// The sets must include full ones of each family, or Full's true side
	// went untested.
	t.Logf("full sets: %v", fulls)
	if fulls[IPv4] == 0 || fulls[IPv6] == 0 {
		t.Errorf("no full set among the random ones: %v", fulls)
	}
}

// randomPrefixes returns n prefixes of family f, mostly short ones near the
// top of the space so that some sets are full.
func randomPrefixes(rng *rand.Rand, f Family, n int) []netip.Prefix {
	out := make([]netip.Prefix, n)
	for i := range out {
		var b [16]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		addr, bits := netip.AddrFrom16(b), rng.IntN(12)
		if f == IPv4 {
			addr = netip.AddrFrom4([4]byte(b[:4]))
		}
		if rng.IntN(4) == 0 {
			bits = rng.IntN(addr.BitLen() + 1)
		}
		out[i] = netip.PrefixFrom(addr, bits).Masked()
	}
	return out
}
