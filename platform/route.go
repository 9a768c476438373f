// Package platform is the per-OS plumbing under the service: tunnel
// addresses, routes and host facts. Decisions are made in OS-free code here
// and in the service; the _linux, _darwin and _windows files only apply them.
package platform

import (
	"net/netip"
	"slices"

	"github.com/palisadevpn/palisade/platform/coverage"
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
	// Split is the split tunnel's mode (Linux policy routing only).
	Split SplitMode
	// Pinned are the local resolver's tunnel upstreams (the firewall's
	// decision, firewall.LANUpstream): the resolver's queries to them go
	// through the tunnel even where a LAN route covers the same range,
	// which would otherwise win over the tunnel's table on Linux and over
	// the /1 halves elsewhere.
	Pinned []netip.Addr
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

// Plan is the OS-free routing decision for a tunnel. Its Scope (routes,
// full families, Block6) is the one decision routes, firewall, resolver and
// status follow.
type Plan struct {
	Addresses []netip.Prefix
	coverage.Scope
	// Pinned are host prefixes of TunnelConfig.Pinned the tunnel routes
	// carry (pinning anything else would only black-hole it).
	Pinned []netip.Prefix
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
	p.Scope = coverage.Decide(coverage.Routes(p.Addresses, cfg.AllowedIPs), cfg.HostIPv6)
	for _, a := range cfg.Pinned {
		a = a.Unmap().WithZone("")
		host := netip.PrefixFrom(a, a.BitLen())
		carried := slices.ContainsFunc(p.Routes, func(r netip.Prefix) bool { return r.Contains(a) })
		if carried && !slices.Contains(p.Pinned, host) {
			p.Pinned = append(p.Pinned, host)
		}
	}
	return p
}
