// Package platform is the per-OS plumbing under the service: tunnel
// addresses, routes and host facts. Decisions are made in OS-free code here
// and in the service; the _linux, _darwin and _windows files only apply them.
package platform

import (
	"net/netip"
)

// Policy-routing constants, wg-quick style: the WireGuard socket carries
// FwMark, everything without it is looked up in Table.
const (
	FwMark = 0xca6c
	Table  = 0xca6c
	// DNSMark marks the local resolver's upstream sockets. It differs from
	// FwMark so those queries still go through the tunnel, yet the firewall
	// can tell them from other port-53 traffic.
	DNSMark = 0xca6d
)

// TunnelConfig is what the router needs to steer traffic into the tunnel.
type TunnelConfig struct {
	Interface string
	MTU       int
	Addresses []netip.Prefix
	// AllowedIPs is the union of the peers' allowed IPs.
	AllowedIPs []netip.Prefix
	// Endpoints are the peers' resolved endpoints; on macOS and Windows they
	// get host routes via the physical gateway.
	Endpoints []netip.AddrPort
	// HostIPv6 is false on hosts with IPv6 disabled: nothing IPv6 is set up.
	HostIPv6 bool
}

// Router installs and removes the tunnel's addresses and routes. NewRouter(log,
// stateDir) returns the one of the running OS; routers that journal what
// they add keep the journal in stateDir.
type Router interface {
	Up(cfg TunnelConfig) error
	// Down removes everything Up installed; it is safe to call on a
	// partially set-up tunnel and after a crash (leftovers from a previous
	// run are recognised by the table and rule priorities).
	Down() error
}

// Replanner is a Router on an OS without policy routing: its endpoint host
// routes follow the default route, so they are re-planned when the network
// changes or handshakes go stale.
type Replanner interface {
	Replan(endpoints []netip.AddrPort) error
}

// Plan is the OS-free routing decision for a tunnel.
type Plan struct {
	Addresses []netip.Prefix
	// Default4 and Default6 tell whether a family's default route goes into
	// the tunnel.
	Default4, Default6 bool
	// Block6 asks for IPv6 off-link traffic to be unreachable because the
	// tunnel does not carry IPv6: nothing may prefer a leaking IPv6 path.
	Block6 bool
	// Routes are the non-default allowed IPs, routed via the tunnel.
	Routes []netip.Prefix
}

// MakePlan decides the routes for cfg. IPv6 addresses and routes are dropped
// when the host has no IPv6.
func MakePlan(cfg TunnelConfig) Plan {
	var p Plan
	for _, a := range cfg.Addresses {
		if a.Addr().Is6() && !cfg.HostIPv6 {
			continue
		}
		p.Addresses = append(p.Addresses, a)
	}
	has6 := false
	for _, a := range p.Addresses {
		has6 = has6 || a.Addr().Is6()
	}
	for _, r := range cfg.AllowedIPs {
		r = r.Masked()
		switch {
		case r.Addr().Is6() && (!cfg.HostIPv6 || !has6):
			// A v6 route without a v6 source address would only black-hole.
		case r.Bits() == 0 && r.Addr().Is4():
			p.Default4 = true
		case r.Bits() == 0:
			p.Default6 = true
		default:
			p.Routes = append(p.Routes, r)
		}
	}
	// Only a full tunnel promises to carry everything; a split tunnel leaves
	// the rest of the traffic, IPv6 included, to the host as it was.
	p.Block6 = cfg.HostIPv6 && p.Default4 && !p.Default6
	return p
}

// SplitDefaults are the routes that cover a family's whole address space
// without replacing the default route, for OSes without policy routing.
func SplitDefaults(v4, v6 bool) []netip.Prefix {
	var out []netip.Prefix
	if v4 {
		out = append(out, netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1"))
	}
	if v6 {
		out = append(out, netip.MustParsePrefix("::/1"), netip.MustParsePrefix("8000::/1"))
	}
	return out
}
