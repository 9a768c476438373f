package platform

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// ra builds a router advertisement carrying opts.
func ra(opts ...[]byte) []byte {
	b := make([]byte, raHeader)
	b[0], b[4] = icmpv6RouterAdvertisement, 64
	b[6], b[7] = 0x07, 0x08 // router lifetime 1800 s
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

var (
	pref64Opt = append([]byte{38, 2, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0, 0x64}, make([]byte, 6)...)
	rdnssOpt  = append([]byte{25, 3, 0, 0, 0, 0, 0x0e, 0x10}, netip.MustParseAddr("2001:db8::53").AsSlice()...)
)

func TestParseRouterAdvertisement(t *testing.T) {
	got, err := ParseRouterAdvertisement(ra(pref64Opt, rdnssOpt))
	if err != nil || len(got) != 2 || !slices.Equal(got[0], pref64Opt) || !slices.Equal(got[1], rdnssOpt) {
		t.Errorf("ParseRouterAdvertisement = % x, %v; want the PREF64 and RDNSS options", got, err)
	}
	if got, err := ParseRouterAdvertisement(ra()); err != nil || len(got) != 0 {
		t.Errorf("no options: %v, %v", got, err)
	}
	for name, msg := range map[string][]byte{
		"short":             ra()[:12],
		"a solicitation":    append([]byte{133}, ra()[1:]...),
		"nonzero code":      append([]byte{134, 1}, ra()[2:]...),
		"zero-length":       ra([]byte{38, 0, 0, 0, 0, 0, 0, 0}),
		"option overrun":    ra(pref64Opt[:12]),
		"one octet of junk": ra(pref64Opt, []byte{1}),
	} {
		if got, err := ParseRouterAdvertisement(msg); err == nil {
			t.Errorf("%s: ParseRouterAdvertisement = % x, want an error", name, got)
		}
	}
}

// RFC 4861 section 6.1.2: only advertisements from the link itself count.
func TestTrustedAdvertisement(t *testing.T) {
	ll, global := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::1")
	if err := trustedAdvertisement(255, ll); err != nil {
		t.Errorf("a link-local router at hop limit 255: %v", err)
	}
	for _, tc := range []struct {
		hop  int
		src  netip.Addr
		want string
	}{
		{64, ll, "hop limit 64"},
		{254, ll, "hop limit 254"},
		{255, global, "not a link-local"},
		{255, netip.MustParseAddr("169.254.0.1"), "not a link-local"},
	} {
		if err := trustedAdvertisement(tc.hop, tc.src); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hop limit %d from %s: %v, want an error with %q", tc.hop, tc.src, err, tc.want)
		}
	}
}

func FuzzParseRouterAdvertisement(f *testing.F) {
	f.Add(ra(pref64Opt, rdnssOpt))
	f.Add(ra())
	f.Fuzz(func(t *testing.T, msg []byte) {
		opts, err := ParseRouterAdvertisement(msg)
		if err != nil {
			return
		}
		total := raHeader
		for _, o := range opts {
			if len(o) < 8 || len(o) != int(o[1])*8 {
				t.Fatalf("option % x", o)
			}
			total += len(o)
		}
		if total != len(msg) {
			t.Fatalf("options cover %d of %d octets", total, len(msg))
		}
	})
}
