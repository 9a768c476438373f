package service

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/nat64"
)

// reach is what the host can reach when an endpoint is chosen: the
// families with a default route, and the network's NAT64 prefix when it
// has IPv6 but no IPv4 (PREF64 or RFC 7050 discovery; invalid when none
// was found).
type reach struct {
	platform.Reach
	NAT64 netip.Prefix
	// NoIPv6 is set on hosts with IPv6 disabled: IPv6 is never tried.
	NoIPv6 bool
	// NAT64Err is set when the NAT64 discovery of an IPv6-only network got
	// no answer: whether the network has NAT64 is not known yet.
	NAT64Err error
}

// endpointChoice is one address to try for a peer.
type endpointChoice struct {
	Addr netip.AddrPort
	// NAT64 is the prefix the address was synthesized under, or that a
	// DNS64 answer lies in; invalid for a direct address.
	NAT64 netip.Prefix
}

// endpointPlan is the addresses to try for a peer, in order, and why.
type endpointPlan struct {
	Choices []endpointChoice
	Why     string
}

// addrs returns the plan's addresses.
func (p endpointPlan) addrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(p.Choices))
	for i, c := range p.Choices {
		out[i] = c.Addr
	}
	return out
}

// planEndpoint decides which addresses of an endpoint to try, from what
// the host can reach. addrs is the literal (literal set) or what the name
// resolved to. An IPv6-only host uses IPv6, reaching IPv4 through the
// network's NAT64 prefix; an IPv4-only host uses IPv4; a host with both
// (or with no default route at all, when nothing can be told) takes the
// profile's literal, and for a name tries IPv6 first and IPv4 after
// Timing.FamilyFallback without a handshake. When the preferred family has no
// address, the others are tried anyway: a route more specific than the
// default may still lead there.
func planEndpoint(addrs []netip.Addr, literal bool, port uint16, r reach) (endpointPlan, error) {
	if len(addrs) == 0 {
		return endpointPlan{}, fmt.Errorf("no addresses")
	}
	first := addrs[0].Unmap()
	var v4, v6 []netip.Addr
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() {
			v4 = append(v4, a)
		} else if !r.NoIPv6 {
			v6 = append(v6, a)
		}
	}
	if len(v4)+len(v6) == 0 {
		return endpointPlan{}, fmt.Errorf("only IPv6 addresses (%v), and this host has no IPv6", addrs)
	}
	addrs = append(v6, v4...)
	only6 := r.IPv6 && !r.IPv4
	var p endpointPlan
	add := func(a netip.Addr, via netip.Prefix) {
		if via.IsValid() && a.Is4() {
			s, err := nat64.Synthesize(via, a)
			if err != nil {
				return
			}
			a = s
		}
		if !via.IsValid() && r.NAT64.IsValid() && r.NAT64.Contains(a.WithZone("")) {
			via = r.NAT64
		}
		c := endpointChoice{Addr: netip.AddrPortFrom(a, port), NAT64: via}
		if !slices.ContainsFunc(p.Choices, func(o endpointChoice) bool { return o.Addr == c.Addr }) {
			p.Choices = append(p.Choices, c)
		}
	}
	nat := netip.Prefix{}
	if only6 {
		nat = r.NAT64
	}
	switch {
	case literal && only6 && first.Is4() && nat.IsValid() && !local(first):
		add(first, nat)
		p.Why = "IPv4 endpoint on an IPv6-only network: via NAT64 " + nat.String()
	case literal:
		add(first, netip.Prefix{})
		p.Why = "the profile's address"
		if f := familyOf(first); !local(first) && (r.IPv4 || r.IPv6) && !r.has(f) {
			p.Why = fmt.Sprintf("the profile's address, though this network has no %s default route", f)
		}
	case only6:
		for _, a := range v6 {
			add(a, netip.Prefix{})
		}
		if nat.IsValid() {
			for _, a := range v4 {
				add(a, nat)
			}
		}
		p.Why = "IPv6-only network: IPv6"
		if nat.IsValid() && len(v4) > 0 {
			p.Why += ", IPv4 via NAT64 " + nat.String()
		}
	case r.IPv4 && !r.IPv6:
		for _, a := range v4 {
			add(a, netip.Prefix{})
		}
		p.Why = "IPv4-only network: IPv4"
	default:
		for _, a := range append(v6, v4...) {
			add(a, netip.Prefix{})
		}
		p.Why = "both families: IPv6 first, IPv4 when it gets no handshake"
	}
	if len(p.Choices) == 0 {
		for _, a := range addrs {
			add(a, netip.Prefix{})
		}
		p.Why = "no address of the family this network reaches: trying the others anyway"
	}
	return p, nil
}

// lastAddress plans a peer whose name no longer resolves from the address
// in use, last, which lay in NAT64 prefix via when it was synthesized (or
// was a DNS64 answer). That address is kept while the network still has
// that prefix; once the prefix is gone (another network's prefix, or
// none), last leads nowhere or to someone else's translator, so the IPv4
// address it carries is planned afresh for the network now: directly, or
// under the new prefix.
func lastAddress(last netip.AddrPort, via netip.Prefix, r reach, why string) (endpointPlan, error) {
	if !via.IsValid() || via == r.NAT64 {
		return endpointPlan{Choices: []endpointChoice{{Addr: last, NAT64: via}}, Why: "the last address: " + why}, nil
	}
	v4, ok := nat64.Extract(via, last.Addr())
	if !ok {
		return endpointPlan{}, fmt.Errorf("the last address %s is not under its NAT64 prefix %s", last, via)
	}
	p, err := planEndpoint([]netip.Addr{v4}, false, last.Port(), r)
	if err != nil {
		return endpointPlan{}, err
	}
	p.Why = fmt.Sprintf("the last address's IPv4 %s, NAT64 %s being gone (%s): %s", v4, via, why, p.Why)
	return p, nil
}

// replan is what a session does once its endpoints were planned again
// (a network change, a stale handshake, a retry).
type replan int

const (
	// replanKeep: the same addresses; carry on.
	replanKeep replan = iota
	// replanReconnect: new addresses; reconnect to them at once.
	replanReconnect
	// replanRediscover: the addresses differ only because the network's
	// NAT64 discovery got no answer (a network change whose DNS is not up
	// yet, a lost packet): keep the addresses in use, which may well still
	// work, and discover again after a backoff.
	replanRediscover
)

// decideReplan decides from whether the new plans offer the same
// addresses and from what the host could reach when they were made.
func decideReplan(same bool, r reach) replan {
	switch {
	case same:
		return replanKeep
	case r.NAT64Err != nil:
		return replanRediscover
	}
	return replanReconnect
}

// has reports whether the host has a default route of family f.
func (r reach) has(f string) bool {
	if f == "IPv6" {
		return r.IPv6
	}
	return r.IPv4
}

// local reports whether a is reached without a default route.
func local(a netip.Addr) bool {
	return a.IsLoopback() || a.IsLinkLocalUnicast()
}

// familyOf names a's family as users read it.
func familyOf(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "IPv4"
	}
	return "IPv6"
}
