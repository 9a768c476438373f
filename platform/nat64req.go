package platform

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// macOS keeps each interface's NAT64 prefixes in the kernel, where its own
// daemons put them with SIOCSIFNAT64PREFIX: IPConfiguration the prefix of a
// router advertisement's PREF64 option (RFC 8781, bootp's rtadv.c), configd
// the prefixes of its RFC 7050 discovery (nat64-configuration.c). Programs
// read the list with SIOCGIFNAT64PREFIX. The request is XNU's struct
// if_nat64req (bsd/net/if_private.h, private, so its layout is spelled out
// here):
//
//	struct if_nat64req {
//		char               ifnat64_name[IFNAMSIZ];                      // 16
//		struct ipv6_prefix ifnat64_prefixes[NAT64_MAX_NUM_PREFIXES];   // 4 × 20
//	};
//	struct ipv6_prefix { struct in6_addr ipv6_prefix; uint32_t prefix_len; };
//
// prefix_len counts octets (NAT64_PREFIX_LEN_32 is 4, …_96 is 12); 0 marks
// an empty slot. Every Mac is little-endian, so the length is read as such.
const (
	ifNameSize        = 16
	nat64MaxPrefixes  = 4
	nat64PrefixSize   = 16 + 4
	nat64ReqSize      = ifNameSize + nat64MaxPrefixes*nat64PrefixSize
	nat64GetPrefixCmd = 193 // SIOCGIFNAT64PREFIX's number (bsd/sys/sockio_private.h)
)

// iowr is BSD's _IOWR(group, num, size): a read-write ioctl command word
// (IOC_INOUT, the argument's size in bits 16-28, group, number).
func iowr(group byte, num uint8, size int) uint {
	const iocInOut = 0x80000000 | 0x40000000
	return iocInOut | uint(size&0x1fff)<<16 | uint(group)<<8 | uint(num)
}

// siocgifnat64prefix is _IOWR('i', 193, struct if_nat64req).
var siocgifnat64prefix = iowr('i', nat64GetPrefixCmd, nat64ReqSize)

// nat64Request is an if_nat64req asking for iface's prefixes.
func nat64Request(iface string) ([]byte, error) {
	if iface == "" || len(iface) >= ifNameSize {
		return nil, fmt.Errorf("NAT64 prefixes: interface name %q: empty or longer than %d bytes", iface, ifNameSize-1)
	}
	b := make([]byte, nat64ReqSize)
	copy(b, iface)
	return b, nil
}

// decodeNAT64Req returns the prefixes of a filled if_nat64req, in the
// kernel's order, with the bits past each length cleared. A slot whose
// length code XNU does not define is left out and reported in the error
// beside the prefixes that decoded.
func decodeNAT64Req(b []byte) ([]netip.Prefix, error) {
	if len(b) != nat64ReqSize {
		return nil, fmt.Errorf("NAT64 prefixes: %d bytes, want %d (struct if_nat64req)", len(b), nat64ReqSize)
	}
	var out []netip.Prefix
	var errs []error
	for i := range nat64MaxPrefixes {
		slot := b[ifNameSize+i*nat64PrefixSize:][:nat64PrefixSize]
		octets := binary.LittleEndian.Uint32(slot[16:])
		if octets == 0 {
			continue
		}
		if !validNAT64Octets(octets) {
			errs = append(errs, fmt.Errorf("NAT64 prefixes: slot %d: length %d octets is none of 4, 5, 6, 7, 8, 12", i, octets))
			continue
		}
		out = append(out, netip.PrefixFrom(netip.AddrFrom16([16]byte(slot[:16])), int(octets)*8).Masked())
	}
	return out, errors.Join(errs...)
}

// validNAT64Octets tells whether n is one of XNU's NAT64_PREFIX_LEN_*
// values: the RFC 6052 lengths 32, 40, 48, 56, 64 and 96 in octets.
func validNAT64Octets(n uint32) bool {
	switch n {
	case 4, 5, 6, 7, 8, 12:
		return true
	}
	return false
}
