package testbed

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"
)

// RouteInfo is a Route Information option (RFC 4191) of a router
// advertisement: reach Prefix through the advertising router.
type RouteInfo struct {
	Prefix   netip.Prefix
	Lifetime time.Duration
}

// PrefixInfo is a Prefix Information option (RFC 4861): Prefix is on-link
// (the L flag), and with Autonomous hosts form an address in it (SLAAC).
type PrefixInfo struct {
	Prefix     netip.Prefix
	Autonomous bool
	Lifetime   time.Duration
}

// HostileAdvertisement renders a router advertisement body (after type,
// code and checksum) that is not a default router and carries routes and
// prefixes, as a rogue router on the LAN would send to pull traffic out of
// a VPN.
func HostileAdvertisement(routes []RouteInfo, prefixes []PrefixInfo) []byte {
	b := make([]byte, 12)
	b[0] = 64
	for _, r := range routes {
		opt := make([]byte, 24)
		opt[0], opt[1], opt[2] = 24, 3, byte(r.Prefix.Bits())
		opt[3] = 0x08 // high preference
		binary.BigEndian.PutUint32(opt[4:8], uint32(r.Lifetime/time.Second))
		a := r.Prefix.Masked().Addr().As16()
		copy(opt[8:], a[:])
		b = append(b, opt...)
	}
	for _, p := range prefixes {
		opt := make([]byte, 32)
		opt[0], opt[1], opt[2] = 3, 4, byte(p.Prefix.Bits())
		opt[3] = 0x80 // on-link
		if p.Autonomous {
			opt[3] |= 0x40
		}
		binary.BigEndian.PutUint32(opt[4:8], uint32(p.Lifetime/time.Second))
		binary.BigEndian.PutUint32(opt[8:12], uint32(p.Lifetime/time.Second))
		a := p.Prefix.Masked().Addr().As16()
		copy(opt[16:], a[:])
		b = append(b, opt...)
	}
	return b
}

// Redirect renders an ICMPv6 redirect body (RFC 4861): packets for dst
// should go to target instead, and target == dst says dst is on-link.
func Redirect(target, dst netip.Addr) []byte {
	b := make([]byte, 36)
	t, d := target.As16(), dst.As16()
	copy(b[4:20], t[:])
	copy(b[20:36], d[:])
	return b
}

// SendND sends one neighbour discovery message of type typ with body from
// namespace ns out of iface to to (a link-local or multicast address),
// from the interface's link-local address with hop limit 255.
func SendND(ns, iface string, to netip.Addr, typ ipv6.ICMPType, body []byte) error {
	c, ifi, err := openND(ns, iface)
	if err != nil {
		return err
	}
	defer c.Close()
	msg, err := (&icmp.Message{Type: typ, Body: &icmp.RawBody{Data: body}}).Marshal(nil)
	if err != nil {
		return err
	}
	_, err = c.WriteTo(msg, &net.IPAddr{IP: to.AsSlice(), Zone: ifi.Name})
	return err
}
