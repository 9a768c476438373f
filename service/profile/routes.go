package profile

import "net/netip"

// RoutesIPv4Default reports whether the peers' AllowedIPs, taken together,
// cover all of IPv4: 0.0.0.0/0 itself, or any split such as the /1 halves.
func (p *Profile) RoutesIPv4Default() bool {
	return covers(netip.PrefixFrom(netip.IPv4Unspecified(), 0), p.allowedOf(true))
}

// RoutesIPv6Default reports whether the peers' AllowedIPs, taken together,
// cover all of IPv6: ::/0 itself, or any split such as ::/1 and 8000::/1.
func (p *Profile) RoutesIPv6Default() bool {
	return covers(netip.PrefixFrom(netip.IPv6Unspecified(), 0), p.allowedOf(false))
}

func (p *Profile) allowedOf(ipv4 bool) []netip.Prefix {
	var out []netip.Prefix
	for _, peer := range p.Peers {
		for _, a := range peer.AllowedIPs {
			if a.IsValid() && a.Addr().Is4() == ipv4 {
				out = append(out, a.Masked())
			}
		}
	}
	return out
}

// covers reports whether the union of ps contains all of target. It splits
// target in halves only where smaller prefixes lie, so the work is bounded
// by len(ps) times the address length.
func covers(target netip.Prefix, ps []netip.Prefix) bool {
	var inner []netip.Prefix
	for _, p := range ps {
		switch {
		case p.Bits() <= target.Bits() && p.Contains(target.Addr()):
			return true
		case p.Bits() > target.Bits() && target.Contains(p.Addr()):
			inner = append(inner, p)
		}
	}
	if len(inner) == 0 || target.Bits() == target.Addr().BitLen() {
		return false
	}
	lo, hi := halves(target)
	return covers(lo, inner) && covers(hi, inner)
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
