// Package coverage decides, OS-free, whether a tunnel's AllowedIPs take a
// whole address family ("full tunnel for a family") and describes what they
// leave out. Routing, the firewall's block of the other family, the
// resolver's AAAA/A filter, status and `palisade profile check` all follow
// this one decision, so a profile that says 0.0.0.0/1 + 128.0.0.0/1, or the
// WireGuard apps' "exclude private IPs" list, is as full as 0.0.0.0/0.
package coverage

import "net/netip"

// Family is an IP address family.
type Family int

// The two families.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// String names the family as users read it.
func (f Family) String() string {
	if f == IPv6 {
		return "IPv6"
	}
	return "IPv4"
}

// Of returns the family of a prefix.
func Of(p netip.Prefix) Family {
	if p.Addr().Is4() {
		return IPv4
	}
	return IPv6
}

// span is one family's table: its whole space, and the ranges a full
// tunnel may leave outside on purpose because they are not global unicast
// (local networks, loopback, link-local, multicast, reserved). Every other
// address must be covered for the family to count as full.
type span struct {
	all     netip.Prefix
	outside []netip.Prefix
}

var spans = map[Family]span{
	IPv4: {
		all: netip.MustParsePrefix("0.0.0.0/0"),
		outside: prefixes(
			"0.0.0.0/8",      // "this network"
			"10.0.0.0/8",     // RFC 1918
			"100.64.0.0/10",  // RFC 6598 shared (carrier-grade NAT) space
			"127.0.0.0/8",    // loopback
			"169.254.0.0/16", // link-local
			"172.16.0.0/12",  // RFC 1918
			"192.168.0.0/16", // RFC 1918
			"224.0.0.0/3",    // multicast, reserved, limited broadcast
		),
	},
	IPv6: {
		all: netip.MustParsePrefix("::/0"),
		// Global unicast is 2000::/3 (RFC 4291, IANA); everything else is
		// special-purpose or unassigned: loopback and IPv4-mapped under
		// ::/3, ULA fc00::/7, link-local fe80::/10, multicast ff00::/8.
		// The NAT64 prefixes are not: they lead to the whole IPv4
		// Internet, so a full IPv6 tunnel must carry them too.
		outside: append(uncovered(netip.MustParsePrefix("::/3"), NAT64), prefixes("4000::/2", "8000::/1")...),
	},
}

// NAT64 are the well-known NAT64 prefix (RFC 6052) and the local-use
// translation prefix (RFC 8215). Traffic to them reaches global IPv4
// hosts through a translator, so they count as global unicast.
var NAT64 = prefixes("64:ff9b::/96", "64:ff9b:1::/48")

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Full reports whether allowed covers all global unicast space of family f:
// 0.0.0.0/0 and ::/0 do, and so does any split of them (the /1 halves, the
// "exclude private IPs" lists) that leaves out only the ranges of the
// family's table.
func Full(allowed []netip.Prefix, f Family) bool {
	s := spans[f]
	return covers(s.all, append(only(allowed, f), s.outside...))
}

// Left returns the parts of family f that allowed does not cover, as the
// fewest prefixes, in address order: what stays outside the tunnel.
func Left(allowed []netip.Prefix, f Family) []netip.Prefix {
	return uncovered(spans[f].all, only(allowed, f))
}

// only returns the valid, masked prefixes of family f.
func only(ps []netip.Prefix, f Family) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		if p.IsValid() && Of(p) == f {
			out = append(out, p.Masked())
		}
	}
	return out
}

// covers reports whether the union of ps contains all of target. It splits
// target in halves only where smaller prefixes lie, so the work is bounded
// by len(ps) times the address length.
func covers(target netip.Prefix, ps []netip.Prefix) bool {
	inner, whole := within(target, ps)
	if whole {
		return true
	}
	if len(inner) == 0 || target.Bits() == target.Addr().BitLen() {
		return false
	}
	lo, hi := halves(target)
	return covers(lo, inner) && covers(hi, inner)
}

// uncovered returns the maximal prefixes of target that no prefix of ps
// touches, with the same bound on the work as covers.
func uncovered(target netip.Prefix, ps []netip.Prefix) []netip.Prefix {
	inner, whole := within(target, ps)
	switch {
	case whole:
		return nil
	case len(inner) == 0:
		return []netip.Prefix{target}
	}
	lo, hi := halves(target)
	return append(uncovered(lo, inner), uncovered(hi, inner)...)
}

// within reports whether one of ps contains all of target, and otherwise
// returns the prefixes of ps that lie inside target.
func within(target netip.Prefix, ps []netip.Prefix) (inner []netip.Prefix, whole bool) {
	for _, p := range ps {
		switch {
		case p.Bits() <= target.Bits() && p.Contains(target.Addr()):
			return nil, true
		case p.Bits() > target.Bits() && target.Contains(p.Addr()):
			inner = append(inner, p)
		}
	}
	return inner, false
}

// halves splits a prefix into its two prefixes one bit longer.
func halves(p netip.Prefix) (lo, hi netip.Prefix) {
	bits := p.Bits()
	b := p.Addr().As16()
	offset := 0
	if p.Addr().Is4() {
		offset = 12
	}
	i := offset*8 + bits
	b[i/8] |= 0x80 >> (i % 8)
	hiAddr := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		hiAddr = hiAddr.Unmap()
	}
	return netip.PrefixFrom(p.Addr(), bits+1), netip.PrefixFrom(hiAddr, bits+1)
}
