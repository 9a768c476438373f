package coverage

import (
	"net/netip"
	"slices"
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
}

// Routes returns the allowed IPs a tunnel with these addresses carries:
// masked, without duplicates, /0 included, and IPv6 ones only when the
// tunnel has an IPv6 address (without one they would only black-hole).
func Routes(addresses, allowed []netip.Prefix) []netip.Prefix {
	has6 := slices.ContainsFunc(addresses, func(a netip.Prefix) bool { return Of(a) == IPv6 })
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for _, r := range allowed {
		r = r.Masked()
		if !r.IsValid() || (Of(r) == IPv6 && !has6) || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out
}

// Decide returns the scope of a tunnel carrying routes (from Routes). Only
// a full tunnel promises to carry everything: beside a full IPv4 tunnel
// without IPv6, IPv6 is blocked on hosts that have it; a split tunnel
// leaves the rest of the traffic, IPv6 included, to the host as it was.
func Decide(routes []netip.Prefix, hostIPv6 bool) Scope {
	s := Scope{Routes: routes, Full4: Full(routes, IPv4), Full6: Full(routes, IPv6)}
	s.Block6 = hostIPv6 && s.Full4 && !s.Full6
	return s
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
		case f == IPv6 && s.Block6 && len(routes) > 0:
			rest = append(rest, "IPv6 blocked except "+join(routes))
		case f == IPv6 && s.Block6:
			rest = append(rest, "IPv6 blocked")
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
