package service

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sockmark"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/nat64"
	"github.com/palisadevpn/palisade/service/profile"
)

// resolveTimeout bounds one endpoint lookup over all servers.
const resolveTimeout = 10 * time.Second

// errEndpointMoved ends a session's watch when a re-resolved endpoint name
// points somewhere new: the session then reconnects at once, so the
// firewall, and the endpoint host routes on macOS and Windows, follow.
var errEndpointMoved = errors.New("the endpoint's address changed")

// nameCache keeps resolved endpoint names for their TTL, each with the
// NAT64 prefix of the network it was resolved on: a DNS64 resolver's
// synthesized AAAA answers hold only where its translator serves, so an
// answer from another NAT64 context (or from before a move to a network
// without NAT64) is looked up again rather than reused.
type nameCache struct {
	mu      sync.Mutex
	entries map[string]cachedName
}

type cachedName struct {
	addrs   []netip.Addr
	nat64   netip.Prefix
	expires time.Time
}

func (c *nameCache) get(host string, nat netip.Prefix, now time.Time) ([]netip.Addr, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[host]
	if !ok || e.nat64 != nat || !now.Before(e.expires) {
		return nil, false
	}
	return e.addrs, true
}

func (c *nameCache) put(host string, addrs []netip.Addr, nat netip.Prefix, ttl time.Duration, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedName{}
	}
	c.entries[host] = cachedName{addrs: addrs, nat64: nat, expires: now.Add(ttl)}
}

// forget drops host's entry.
func (c *nameCache) forget(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, host)
}

// planPeer decides the addresses to try for an endpoint (planEndpoint).
// Host names come from the cache while their TTL lasts, unless fresh is
// set (a reconnect: the server may have moved); otherwise they are looked
// up on the system's own name servers, which the firewall lets the service
// reach for the duration of the lookup, and the status says "resolving"
// meanwhile.
func (m *Manager) planPeer(ses *session, ep profile.Endpoint, r reach, fresh bool) (endpointPlan, error) {
	if a, ok := ep.Addr(); ok {
		return planEndpoint([]netip.Addr{a}, true, ep.Port, r)
	}
	addrs, err := m.cachedLookup(ses, ep.Host, r.NAT64, fresh)
	if err != nil {
		return endpointPlan{}, fmt.Errorf("resolve endpoint %s: %w", ep.Host, err)
	}
	p, err := planEndpoint(addrs, false, ep.Port, r)
	if err != nil {
		return endpointPlan{}, fmt.Errorf("resolve endpoint %s: %w", ep.Host, err)
	}
	return p, nil
}

// cachedLookup returns host's addresses from the cache, or, when absent,
// expired, resolved under another NAT64 prefix than nat (the network's
// now) or fresh is set, from the system's name servers.
func (m *Manager) cachedLookup(ses *session, host string, nat netip.Prefix, fresh bool) ([]netip.Addr, error) {
	if addrs, ok := m.names.get(host, nat, time.Now()); ok && !fresh {
		return addrs, nil
	}
	return m.lookup(ses, host, nat, m.env.HostIPv6())
}

// reachNow reads what the host can reach and, on an IPv6-only network,
// finds its NAT64 prefix: from the router advertisements (RFC 8781
// PREF64) when the default routers announce one, otherwise by RFC 7050
// discovery through the system's name servers. A network without one is
// logged and left without NAT64; a discovery that got no answer at all is
// recorded in NAT64Err, so that it is retried rather than believed.
func (m *Manager) reachNow(ses *session, fresh bool) reach {
	m.mu.Lock()
	tunnel := m.env.Interface
	if m.net.dev != nil {
		tunnel = m.net.dev.Name()
	}
	m.mu.Unlock()
	r := reach{Reach: m.env.Reach(tunnel), NoIPv6: !m.env.HostIPv6()}
	if !r.IPv6 || r.IPv4 {
		m.sayNAT64("")
		return r
	}
	// RFC 9872 recommends the router's word over DNS64 discovery: it needs
	// no DNS64, and nothing off the link can forge it.
	if ra := m.env.RAPrefixes(tunnel); len(ra) > 0 {
		r.NAT64 = ra[0].Prefix
		switch {
		case ra[0].Held && m.sayNAT64("held "+r.NAT64.String()):
			m.env.Log.Info("IPv6-only network: NAT64 prefix the system holds for the interface (from its router advertisement's PREF64 or its own RFC 7050 discovery), DNS64 not asked", "prefix", r.NAT64, "iface", ra[0].Interface, "router", ra[0].Addr)
		case !ra[0].Held && m.sayNAT64("router "+r.NAT64.String()):
			m.env.Log.Info("IPv6-only network: NAT64 prefix from the router advertisement (RFC 8781), DNS64 not asked", "prefix", r.NAT64, "iface", ra[0].Interface, "router", ra[0].Addr)
		}
		return r
	}
	addrs, err := m.cachedLookup(ses, nat64.DiscoveryName, netip.Prefix{}, fresh)
	if err != nil {
		r.NAT64Err = err
		if m.sayNAT64("failed: " + err.Error()) {
			m.env.Log.Info("IPv6-only network, NAT64 discovery got no answer: IPv4 endpoints unreachable until it does", "err", err)
		}
		return r
	}
	found := nat64.Discover(addrs)
	if len(found) == 0 {
		if m.sayNAT64("none") {
			m.env.Log.Info("IPv6-only network without a NAT64 prefix: IPv4 endpoints stay unreachable", "answer", addrs)
		}
		return r
	}
	r.NAT64 = found[0]
	if m.sayNAT64("found " + r.NAT64.String()) {
		m.env.Log.Info("IPv6-only network: NAT64 prefix discovered (RFC 7050)", "prefix", r.NAT64)
	}
	return r
}

// sayNAT64 records the outcome of the network's NAT64 discovery and tells
// whether it differs from the last one, so that each outcome is logged once
// and not again on every network change; "" (not an IPv6-only network)
// forgets it, so that coming back to one logs again.
func (m *Manager) sayNAT64(outcome string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if outcome == m.net.nat64Said {
		return false
	}
	m.net.nat64Said = outcome
	return outcome != ""
}

// lookup asks the system's name servers for host, with the firewall opened
// for exactly these lookups while it runs, and caches the answer as one
// from a network with NAT64 prefix nat.
func (m *Manager) lookup(ses *session, host string, nat netip.Prefix, hostV6 bool) ([]netip.Addr, error) {
	found, err := m.env.NameServers()
	if err != nil {
		return nil, fmt.Errorf("reading the system's name servers: %w", err)
	}
	var servers []netip.AddrPort
	var open []netip.Addr
	for _, a := range found {
		if a.Is4() || hostV6 {
			servers = append(servers, netip.AddrPortFrom(a, 53))
			open = append(open, a)
		}
	}
	tunnel := ""
	m.mu.Lock()
	if m.net.dev != nil {
		tunnel = m.net.dev.Name()
	}
	if m.cur == ses {
		m.net.bootstrap = open
		m.status.Resolving = host
		m.applyNetLocked()
		m.publishLocked()
	}
	m.mu.Unlock()
	defer func() {
		// Cleared even when the session was stopped meanwhile: no other
		// session can start before this one's teardown, and the stop's own
		// transition re-renders the firewall without the opening.
		m.mu.Lock()
		defer m.mu.Unlock()
		m.net.bootstrap = nil
		m.status.Resolving = ""
		if m.cur == ses {
			m.applyNetLocked()
			m.publishLocked()
		}
	}()
	ctx, cancel := context.WithTimeout(ses.ctx, resolveTimeout)
	defer cancel()
	res, err := m.env.Lookup(ctx, servers, host, tunnel)
	if err != nil {
		return nil, err
	}
	m.names.put(host, res.Addrs, nat, res.TTL, time.Now())
	m.env.Log.Info("endpoint name resolved", "host", host, "addrs", res.Addrs, "ttl", res.TTL, "server", res.Server)
	return res.Addrs, nil
}

// defaultLookup is the production lookup: the bootstrap resolver on
// sockets carrying the service's mark (Linux) or bound to the physical
// interfaces, whose default routes are read for each lookup (macOS,
// Windows).
func defaultLookup(mark uint32) func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
	return func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		if4, if6 := platform.PhysicalInterfaces(tunnel)
		r := &bootstrap.Resolver{Control: sockmark.Bound(mark, if4, if6)}
		return r.Lookup(ctx, servers, host)
	}
}

// tunnelNAT64Timeout bounds the tunnel's NAT64 discovery.
const tunnelNAT64Timeout = 5 * time.Second

// probeTunnelNAT64 asks the tunnel's DNS, through the local resolver, for
// ipv4only.arpa (RFC 7050) once an IPv6-only tunnel is connected: a DNS64
// resolver there means names of IPv4-only sites still work, which the
// status then says beside "IPv4 blocked".
func (m *Manager) probeTunnelNAT64(ses *session, resolver netip.AddrPort) {
	ctx, cancel := context.WithTimeout(ses.ctx, tunnelNAT64Timeout)
	defer cancel()
	res, err := m.env.AskResolver(ctx, resolver, nat64.DiscoveryName)
	var p netip.Prefix
	if found := nat64.Discover(res.Addrs); err == nil && len(found) > 0 {
		p = found[0]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != ses || m.net.dev == nil || p == m.net.tunnelNAT64 {
		return
	}
	m.env.Log.Info("the tunnel's DNS64 synthesizes under a NAT64 prefix: IPv4-only names work, IPv4 addresses stay blocked", "prefix", p)
	m.net.tunnelNAT64 = p
	m.applyNetLocked()
	m.publishLocked()
}
