package platform

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// The ioctl command word: _IOWR as XNU builds it, checked against a
// command golang.org/x/sys publishes for darwin (SIOCGIFMTU, _IOWR('i',
// 51, struct ifreq) = 0xc0206933) and against SIOCGIFNAT64PREFIX worked
// out by hand from sockio_private.h (193, 96 bytes).
func TestNAT64IoctlNumber(t *testing.T) {
	if got := iowr('i', 51, 32); got != 0xc0206933 {
		t.Errorf("_IOWR('i', 51, 32) = %#x, want 0xc0206933 (SIOCGIFMTU)", got)
	}
	if nat64ReqSize != 96 {
		t.Errorf("sizeof(struct if_nat64req) = %d, want 96", nat64ReqSize)
	}
	if siocgifnat64prefix != 0xc06069c1 {
		t.Errorf("SIOCGIFNAT64PREFIX = %#x, want 0xc06069c1", siocgifnat64prefix)
	}
}

// slot writes one struct ipv6_prefix into an if_nat64req as the kernel
// fills it.
func slot(req []byte, i int, addr string, octets uint32) {
	off := ifNameSize + i*nat64PrefixSize
	a := netip.MustParseAddr(addr).As16()
	copy(req[off:], a[:])
	binary.LittleEndian.PutUint32(req[off+16:], octets)
}

func TestDecodeNAT64Req(t *testing.T) {
	req, err := nat64Request("en0")
	if err != nil || string(req[:4]) != "en0\x00" || len(req) != 96 {
		t.Fatalf("request = %q, %v", req, err)
	}
	if got, err := decodeNAT64Req(req); err != nil || len(got) != 0 {
		t.Errorf("empty list = %v, %v", got, err)
	}
	// configd's order is kept; bits past the length (here the ::1 of a
	// /96's host part, and the junk of a /56's tail) are cleared.
	slot(req, 0, "64:ff9b::1", 12)
	slot(req, 2, "2001:db8:1:2ff:ff00::", 7) // /56: the last octet of 2ff, the u octet and beyond cleared
	slot(req, 3, "2001:db8:100::", 4)
	got, err := decodeNAT64Req(req)
	want := []netip.Prefix{
		netip.MustParsePrefix("64:ff9b::/96"),
		netip.MustParsePrefix("2001:db8:1:200::/56"),
		netip.MustParsePrefix("2001:db8::/32"),
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("decoded %v, %v; want %v", got, err, want)
	}
	// A length code XNU does not define (bits, not octets: 96) is left out
	// and said, the others still count.
	slot(req, 1, "2001:db8:99::", 96)
	got, err = decodeNAT64Req(req)
	if err == nil || !strings.Contains(err.Error(), "slot 1") || !slices.Equal(got, want) {
		t.Errorf("with a bad slot: %v, %v", got, err)
	}
	if _, err := decodeNAT64Req(req[:95]); err == nil {
		t.Error("a short buffer decoded")
	}
	for _, name := range []string{"", "a-very-long-name"} {
		if _, err := nat64Request(name); err == nil {
			t.Errorf("interface name %q accepted", name)
		}
	}
}

func FuzzDecodeNAT64Req(f *testing.F) {
	req, _ := nat64Request("en0")
	f.Add(slices.Clone(req))
	slot(req, 0, "64:ff9b::", 12)
	slot(req, 1, "2001:db8::", 9)
	f.Add(req)
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeNAT64Req(b)
		if len(b) != nat64ReqSize {
			if err == nil || got != nil {
				t.Fatalf("%d bytes decoded: %v", len(b), got)
			}
			return
		}
		if len(got) > nat64MaxPrefixes {
			t.Fatalf("%d prefixes from %d slots", len(got), nat64MaxPrefixes)
		}
		for _, p := range got {
			if !p.Addr().Is6() || p != p.Masked() || !slices.Contains([]int{32, 40, 48, 56, 64, 96}, p.Bits()) {
				t.Fatalf("decoded %v", p)
			}
		}
	})
}
