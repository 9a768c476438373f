package platform

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
)

// ndUserOptMsg builds an RTM_NEWNDUSEROPT payload as Linux sends it.
func ndUserOptMsg(family, icmpType byte, ifindex int32, opts []byte, src netip.Addr) []byte {
	b := make([]byte, ndUserOptHeader)
	b[0] = family
	binary.NativeEndian.PutUint16(b[2:4], uint16(len(opts)))
	binary.NativeEndian.PutUint32(b[4:8], uint32(ifindex))
	b[8] = icmpType
	b = append(b, opts...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	if src.IsValid() {
		attr := make([]byte, 4, 20)
		binary.NativeEndian.PutUint16(attr[0:2], 20)
		binary.NativeEndian.PutUint16(attr[2:4], ndUserOptSrcAddr)
		a := src.As16()
		b = append(b, append(attr, a[:]...)...)
	}
	return b
}

func TestParseNDUserOpt(t *testing.T) {
	router := netip.MustParseAddr("fe80::1")
	pref64 := append([]byte{38, 2, 0x02, 0x58}, make([]byte, 12)...)
	rdnss := append([]byte{25, 3, 0, 0, 0, 0, 0x0e, 0x10}, netip.MustParseAddr("2001:db8::53").AsSlice()...)
	got, err := ParseNDUserOpt(ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, append(slices.Clone(pref64), rdnss...), router))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].IfIndex != 3 || got[0].Router != router || !slices.Equal(got[0].Option, pref64) || !slices.Equal(got[1].Option, rdnss) {
		t.Errorf("ParseNDUserOpt = %+v, want the PREF64 and RDNSS options from %s on index 3", got, router)
	}
	if got, err := ParseNDUserOpt(ndUserOptMsg(afInet6, 137, 3, pref64, router)); err != nil || got != nil {
		t.Errorf("a redirect's options = %v, %v; want none", got, err)
	}
	for name, msg := range map[string][]byte{
		"short":           make([]byte, 8),
		"options overrun": ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, pref64, router)[:20],
		"zero length":     ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, []byte{38, 0, 0, 0, 0, 0, 0, 0}, router),
		"option overrun":  ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, []byte{38, 2, 0, 0, 0, 0, 0, 0}, router),
		"no router":       ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, pref64, netip.Addr{}),
	} {
		if got, err := ParseNDUserOpt(msg); err == nil {
			t.Errorf("%s: ParseNDUserOpt = %v, want an error", name, got)
		}
	}
}

func FuzzParseNDUserOpt(f *testing.F) {
	f.Add(ndUserOptMsg(afInet6, icmpv6RouterAdv, 3, append([]byte{38, 2, 0x02, 0x58}, make([]byte, 12)...), netip.MustParseAddr("fe80::1")))
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		opts, err := ParseNDUserOpt(b)
		if err != nil {
			return
		}
		total := 0
		for _, o := range opts {
			if len(o.Option) < 8 || len(o.Option) != int(o.Option[1])*8 || !o.Router.Is6() {
				t.Fatalf("option % x from %s", o.Option, o.Router)
			}
			total += len(o.Option)
		}
		if len(opts) > 0 && total != int(binary.NativeEndian.Uint16(b[2:4])) {
			t.Fatalf("options of %d octets, the header says %d", total, binary.NativeEndian.Uint16(b[2:4]))
		}
	})
}
