package e2e

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Hand-built IP packets for the raw-socket leak tests: the fields a
// hostile program controls, with the checksums the kernel does not fill
// left zero (what is counted is whether a packet crosses the link, not
// whether its receiver accepts it).

// IP protocol and IPv6 extension header numbers.
const (
	protoHopByHop = 0
	protoICMP     = 1
	protoTCP      = 6
	protoUDP      = 17
	protoRouting  = 43
	protoFragment = 44
	protoICMPv6   = 58
	protoDstOpts  = 60
)

// ip4 builds an IPv4 header around payload. off is the fragment offset in
// bytes (a multiple of 8); more sets the more-fragments flag. The kernel
// fills the header checksum of IP_HDRINCL packets.
func ip4(src, dst netip.Addr, proto byte, id uint16, off int, more bool, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	h[0], h[8], h[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:], id)
	frag := uint16(off / 8)
	if more {
		frag |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:], frag)
	s, d := src.As4(), dst.As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, payload...)
}

// ip6 builds an IPv6 header around payload; next names payload's first
// header.
func ip6(src, dst netip.Addr, next, hopLimit byte, payload []byte) []byte {
	h := make([]byte, 40, 40+len(payload))
	h[0], h[6], h[7] = 0x60, next, hopLimit
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, payload...)
}

// options6 is an 8-byte hop-by-hop or destination options header holding
// one PadN option.
func options6(next byte, rest []byte) []byte {
	return append([]byte{next, 0, 1, 4, 0, 0, 0, 0}, rest...)
}

// routing0 is a type 0 routing header (deprecated by RFC 5095) listing
// hops, with segments left zero.
func routing0(next byte, hops []netip.Addr, rest []byte) []byte {
	h := []byte{next, byte(2 * len(hops)), 0, 0, 0, 0, 0, 0}
	for _, a := range hops {
		b := a.As16()
		h = append(h, b[:]...)
	}
	return append(h, rest...)
}

// fragment6 is an IPv6 fragment header; off in bytes, a multiple of 8.
func fragment6(next byte, off int, more bool, id uint32, rest []byte) []byte {
	fo := uint16(off)
	if more {
		fo |= 1
	}
	h := []byte{next, 0, byte(fo >> 8), byte(fo), 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[4:], id)
	return append(h, rest...)
}

// udpPacket is a UDP header and payload, checksum zero.
func udpPacket(sport, dport uint16, payload []byte) []byte {
	h := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return append(h, payload...)
}

// tcpSyn is a 20-byte TCP SYN header.
func tcpSyn(sport, dport uint16) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint32(h[4:], 0x50a15ade)
	h[12], h[13] = 5<<4, 0x02
	binary.BigEndian.PutUint16(h[14:], 65535)
	return h
}

// icmpMsg is an ICMP or ICMPv6 message: type, code, four bytes of
// type-specific data, then body.
func icmpMsg(typ, code byte, word uint32, body []byte) []byte {
	h := make([]byte, 8, 8+len(body))
	h[0], h[1] = typ, code
	binary.BigEndian.PutUint32(h[4:], word)
	return append(h, body...)
}

// secret is the data the tricks try to carry out.
var secret = []byte("palisade-leak3-secret-payload-that-must-not-leave-0123456789abcdef")

// sendRaw sends each packet, IP header included, from a raw socket bound
// to dev, and returns the first send error (a firewall reject shows as
// EPERM; callers only need it for the baseline).
func sendRaw(dev string, pkts [][]byte) error {
	var first error
	for _, p := range pkts {
		v6 := p[0]>>4 == 6
		family, addr := unix.AF_INET, unix.Sockaddr(nil)
		if v6 {
			family = unix.AF_INET6
			var a unix.SockaddrInet6
			copy(a.Addr[:], p[24:40])
			addr = &a
		} else {
			var a unix.SockaddrInet4
			copy(a.Addr[:], p[16:20])
			addr = &a
		}
		fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err == nil {
			err = unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, dev)
			if err == nil {
				err = unix.Sendto(fd, p, 0, addr)
			}
			unix.Close(fd)
		}
		if first == nil {
			first = err
		}
	}
	return first
}
