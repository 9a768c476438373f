// Package nat64 holds the OS-free parts of reaching IPv4 hosts from an
// IPv6-only network: the RFC 6052 address format (synthesizing an IPv6
// address for an IPv4 one under a NAT64 prefix of any allowed length, and
// back), and RFC 7050 prefix discovery from the AAAA answers for
// ipv4only.arpa.
package nat64

import (
	"fmt"
	"net/netip"
	"slices"
)

// WellKnown is the well-known NAT64 prefix of RFC 6052. Translators refuse
// it for non-global IPv4 destinations, so networks with private IPv4
// behind the translator use a network-specific prefix instead.
var WellKnown = netip.MustParsePrefix("64:ff9b::/96")

// DiscoveryName is the name whose AAAA answer, synthesized by a DNS64
// resolver, reveals the NAT64 prefix (RFC 7050): it has only the A records
// 192.0.0.170 and 192.0.0.171.
const DiscoveryName = "ipv4only.arpa"

// wellKnownAddrs are ipv4only.arpa's A records (RFC 7050 section 2.2).
var wellKnownAddrs = []netip.Addr{netip.AddrFrom4([4]byte{192, 0, 0, 170}), netip.AddrFrom4([4]byte{192, 0, 0, 171})}

// lengths are the prefix lengths RFC 6052 allows, longest first: the order
// discovery prefers when an answer fits more than one.
var lengths = []int{96, 64, 56, 48, 40, 32}

// ValidPrefix reports whether p can carry RFC 6052 addresses: an IPv6
// prefix of an allowed length. Bits 64-71, the "u" octet, are zero in
// every such address: below /96 the format skips them (synthesis leaves
// them zero), and a /96 prefix must have them zero itself.
func ValidPrefix(p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() {
		return fmt.Errorf("NAT64 prefix %s: not an IPv6 prefix", p)
	}
	if !slices.Contains(lengths, p.Bits()) {
		return fmt.Errorf("NAT64 prefix %s: the length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)", p)
	}
	if p.Masked().Addr().As16()[uOctet] != 0 {
		return fmt.Errorf("NAT64 prefix %s: bits 64-71 must be zero (RFC 6052)", p)
	}
	return nil
}

// uOctet is the index of the byte holding bits 64-71.
const uOctet = 8

// positions returns where the four IPv4 octets go in an address under a
// prefix of length bits: byte indexes, skipping the u octet.
func positions(bits int) [4]int {
	var out [4]int
	i := bits / 8
	for k := range out {
		if i == uOctet {
			i++
		}
		out[k] = i
		i++
	}
	return out
}

// Synthesize embeds v4 in prefix (RFC 6052 section 2.2): the IPv6 address
// a host on a NAT64 network uses to reach v4. The suffix stays zero.
func Synthesize(prefix netip.Prefix, v4 netip.Addr) (netip.Addr, error) {
	if err := ValidPrefix(prefix); err != nil {
		return netip.Addr{}, err
	}
	v4 = v4.Unmap()
	if !v4.Is4() {
		return netip.Addr{}, fmt.Errorf("NAT64: %s is not an IPv4 address", v4)
	}
	b := prefix.Masked().Addr().As16()
	for k, i := range positions(prefix.Bits()) {
		b[i] = v4.As4()[k]
	}
	return netip.AddrFrom16(b), nil
}

// Extract returns the IPv4 address embedded in a, when a lies in prefix
// and is an RFC 6052 address (its u octet zero).
func Extract(prefix netip.Prefix, a netip.Addr) (netip.Addr, bool) {
	if ValidPrefix(prefix) != nil || !a.Is6() || !prefix.Contains(a.WithZone("")) {
		return netip.Addr{}, false
	}
	b := a.As16()
	if b[uOctet] != 0 {
		return netip.Addr{}, false
	}
	var v4 [4]byte
	for k, i := range positions(prefix.Bits()) {
		v4[k] = b[i]
	}
	return netip.AddrFrom4(v4), true
}

// Discover finds the NAT64 prefixes in the AAAA answers for DiscoveryName
// (RFC 7050 section 3): each answer embeds 192.0.0.170 or 192.0.0.171 at
// the position of its prefix length. A length is taken only when it
// explains every answer of its prefix; when several do (an address that
// happens to hold the pattern twice), the longest wins. Answers that
// embed neither address are ignored; the result is in answer order,
// without duplicates, nil when nothing was synthesized.
func Discover(aaaa []netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range aaaa {
		if !a.Is6() || a.Is4In6() {
			continue
		}
		for _, bits := range lengths {
			p := netip.PrefixFrom(a.WithZone(""), bits).Masked()
			if v4, ok := Extract(p, a); ok && slices.Contains(wellKnownAddrs, v4) && explainsAll(p, aaaa) {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
				break
			}
		}
	}
	return out
}

// explainsAll reports whether every answer inside p embeds a well-known
// address under p's length.
func explainsAll(p netip.Prefix, aaaa []netip.Addr) bool {
	for _, a := range aaaa {
		if v4, ok := Extract(p, a); ok && !slices.Contains(wellKnownAddrs, v4) {
			return false
		}
	}
	return true
}
