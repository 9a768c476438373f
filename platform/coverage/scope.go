package coverage

import (
	"net/netip"
	"strings"
)

// Scope is how a tunnel treats the two address families.
type Scope struct {
	// Routes are the allowed IPs routed via the tunnel (see Routes).
	Routes []netip.Prefix
	// Full4 and Full6 tell whether the tunnel carries all global unicast
	// addresses of a family (Full).
	Full4, Full6 bool
	// Block6 asks for IPv6 off-link traffic to be unreachable because the
	// tunnel takes all of IPv4 but carries no IPv6: nothing may prefer a
	// leaking IPv6 path.
	Block6 bool
	// Block4 is Block6's mirror: the tunnel takes all of IPv6 but carries
	// no IPv4, so off-link IPv4 is made unreachable.
	Block4 bool
}

// Routes returns the allowed IPs a tunnel with these addresses carries:
// masked, without duplicates, /0 included, and those of a family only when
// the tunnel has an address of that family (without one they would only
// black-hole, or leave with a LAN source address the server drops).
func Routes(addresses, allowed []netip.Prefix) []netip.Prefix {
	has := map[Family]bool{}
	for _, a := range addresses {
		has[Of(a)] = true
	}
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for _, r := range allowed {
		r = r.Masked()
		if !r.IsValid() || !has[Of(r)] || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out
}

// Decide returns the scope of a tunnel carrying routes (from Routes). Only
// a full tunnel promises to carry everything: beside a full IPv4 tunnel
// without IPv6, IPv6 is blocked on hosts that have it, and beside a full
// IPv6 tunnel without IPv4, IPv4 is blocked (every host has IPv4); a split
// tunnel leaves the rest of the traffic to the host as it was.
func Decide(routes []netip.Prefix, hostIPv6 bool) Scope {
	s := Scope{Routes: routes, Full4: Full(routes, IPv4), Full6: Full(routes, IPv6)}
	s.Block6 = hostIPv6 && s.Full4 && !s.Full6
	s.Block4 = s.Full6 && !s.Full4
	return s
}

// Blocked reports whether off-link traffic of family f is made unreachable.
func (s Scope) Blocked(f Family) bool {
	if f == IPv6 {
		return s.Block6
	}
	return s.Block4
}

// String says how the tunnel treats traffic, as `palisade profile check`
// and status show it: "full IPv4 tunnel, IPv6 blocked", "split: 10.0.0.0/8".
func (s Scope) String() string {
	var full, rest []string
	for _, f := range []Family{IPv4, IPv6} {
		routes := only(s.Routes, f)
		switch {
		case s.full(f):
			full = append(full, f.String())
		case s.Blocked(f) && len(routes) > 0:
			rest = append(rest, f.String()+" blocked except "+join(routes))
		case s.Blocked(f):
			rest = append(rest, f.String()+" blocked")
		case len(routes) > 0 && (s.Full4 || s.Full6):
			rest = append(rest, f.String()+" split: "+join(routes))
		case s.Full4 || s.Full6:
			rest = append(rest, f.String()+" not tunnelled")
		}
	}
	var b strings.Builder
	switch len(full) {
	case 2:
		b.WriteString("full tunnel, IPv4 and IPv6")
	case 1:
		b.WriteString("full " + full[0] + " tunnel")
	default:
		if len(s.Routes) == 0 {
			return "nothing routed: the profile has no allowed IPs"
		}
		return "split: " + join(s.Routes)
	}
	var left []netip.Prefix
	for _, f := range []Family{IPv4, IPv6} {
		if s.full(f) {
			left = append(left, Left(s.Routes, f)...)
		}
	}
	if len(left) > 0 {
		b.WriteString(" (left outside: " + join(left) + ")")
	}
	for _, r := range rest {
		b.WriteString(", " + r)
	}
	return b.String()
}

func (s Scope) full(f Family) bool {
	if f == IPv6 {
		return s.Full6
	}
	return s.Full4
}

func join(ps []netip.Prefix) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = p.String()
	}
	return strings.Join(ss, ", ")
}
