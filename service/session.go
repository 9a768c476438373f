package service

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// minKeepalive keeps handshakes fresh on idle tunnels, so "no handshake for
// StaleAfter" really means the server is gone.
const minKeepalive = 25

// fastPoll is how often the device is read while a handshake is awaited.
const fastPoll = 50 * time.Millisecond

// run runs session s until it is stopped: bring-up failures tear down and
// retry with backoff; handshake trouble keeps the tunnel (so traffic never
// falls back to the LAN) and re-arms the peers. Whatever it reports is
// dropped once s is no longer the current session.
func (m *Manager) run(s *session) {
	defer close(s.done)
	ctx := s.ctx
	for attempt := 1; ; attempt++ {
		m.mu.Lock()
		if m.cur == s {
			m.status.Retry = nil
			m.setStateLocked(ipc.Connecting, "connect")
		}
		set := m.settings
		m.mu.Unlock()
		cfg, plans, err := m.tunnelConfig(s, set, nil, nil)
		var dev Device
		if err == nil {
			s.mtu, _ = m.chooseMTU(s.profile, set, endpointsOf(cfg.Peers), m.env.Interface)
			cfg.MTU = s.mtu.MTU
			m.logPlans(plans)
			dev, err = m.bringUp(s, cfg, set, plans)
		}
		if err == nil {
			err = m.watch(s, dev, set, cfg, plans)
		}
		m.mu.Lock()
		m.tearDownLocked()
		m.mu.Unlock()
		go releaseMemory()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errEndpointMoved) {
			attempt = 0
			continue
		}
		delay := backoff(m.env.Timing, attempt)
		m.fail(s, err, delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

// releaseMemory hands a closed device's buffers back to the OS at once. A
// wireguard-go device keeps about 26 MB of packet buffers (for 128-packet
// GSO batches) in sync.Pools, which outlive one collection in the pools'
// victim caches; without this an idle service would hold them until its
// heap next grew, and reconnects would ratchet its resident size up.
func releaseMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

func backoff(t Timing, attempt int) time.Duration {
	d := t.RetryMin
	for i := 1; i < attempt && d < t.RetryMax; i++ {
		d *= 2
	}
	return min(d, t.RetryMax)
}

func (m *Manager) fail(s *session, err error, retryIn time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != s {
		return
	}
	retry := time.Now().Add(retryIn)
	m.status.Retry = &retry
	m.status.LastError = err.Error()
	m.setStateLocked(ipc.Error, err.Error())
}

// tunnelConfig turns the profile into a device configuration, planning
// each peer's endpoint addresses from what the host can reach (the first
// choice goes into the configuration). prev, on a reconnect, asks for
// fresh lookups and supplies the last good addresses when a name no longer
// resolves (lastAddress), with prevPlans saying where they came from.
func (m *Manager) tunnelConfig(ses *session, s settings.Settings, prev *tunnel.Config, prevPlans []endpointPlan) (tunnel.Config, []endpointPlan, error) {
	p := ses.profile
	cfg := tunnel.Config{
		Name:       m.env.Interface,
		MTU:        p.Interface.MTU,
		PrivateKey: p.Interface.PrivateKey,
		ListenPort: p.Interface.ListenPort,
		FwMark:     platform.FwMark,
	}
	var r reach
	if slices.ContainsFunc(p.Peers, func(pp profile.Peer) bool { return pp.Endpoint != nil }) {
		r = m.reachNow(ses, prev != nil)
	}
	ses.reach = r
	plans := make([]endpointPlan, len(p.Peers))
	for i, pp := range p.Peers {
		peer := tunnel.Peer{PublicKey: pp.PublicKey, PresharedKey: pp.PresharedKey, Keepalive: max(pp.PersistentKeepalive, minKeepalive)}
		for _, a := range pp.AllowedIPs {
			if a.Addr().Is6() && !s.IPv6 {
				continue
			}
			peer.AllowedIPs = append(peer.AllowedIPs, a)
		}
		if pp.Endpoint != nil {
			plan, err := m.planPeer(ses, *pp.Endpoint, r, prev != nil)
			if err != nil && prev != nil && i < len(prev.Peers) {
				last := prev.Peers[i].Endpoint
				plan, err = lastAddress(last, viaNAT64(prevPlans, last), r, err.Error())
			}
			if err != nil {
				return tunnel.Config{}, nil, err
			}
			plans[i] = plan
			peer.Endpoint = plan.Choices[0].Addr
		}
		cfg.Peers = append(cfg.Peers, peer)
	}
	return cfg, plans, nil
}

// logPlans logs each peer's endpoint decision in one line.
func (m *Manager) logPlans(plans []endpointPlan) {
	for i, p := range plans {
		if len(p.Choices) > 0 {
			m.env.Log.Info("endpoint family", "peer", i, "try", p.addrs(), "nat64", p.Choices[0].NAT64, "why", p.Why)
		}
	}
}

// samePlans reports whether two sets of plans offer the same addresses.
func samePlans(a, b []endpointPlan) bool {
	return slices.EqualFunc(a, b, func(x, y endpointPlan) bool { return slices.Equal(x.addrs(), y.addrs()) })
}

// nextChoice moves every peer with more than one address to its next one
// (the other family), for the n-th fallback, and reports whether any moved.
func nextChoice(cfg *tunnel.Config, plans []endpointPlan, n int) bool {
	moved := false
	for i, p := range plans {
		if len(p.Choices) > 1 && i < len(cfg.Peers) {
			cfg.Peers[i].Endpoint = p.Choices[n%len(p.Choices)].Addr
			moved = true
		}
	}
	return moved
}

// bringUp opens the firewall for the endpoints first, then creates the
// device and its routes, then DNS. A session stopped before it got here
// sets nothing up: stopping cancels under mu.
func (m *Manager) bringUp(ses *session, cfg tunnel.Config, s settings.Settings, plans []endpointPlan) (Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ses.ctx.Err(); err != nil {
		return nil, err
	}
	p := ses.profile
	m.net.endpoints = endpointsOf(cfg.Peers)
	m.net.plans = plans
	m.net.mtu = ses.mtu
	m.env.Log.Info("tunnel MTU", "mtu", ses.mtu.MTU, "why", ses.mtu.Why)
	m.net.onLink = m.env.OnLink()
	m.applyNetLocked()
	dev, err := m.env.NewDevice(cfg, m.env.Log)
	if err != nil {
		return nil, err
	}
	m.net.dev = dev
	tc := platform.TunnelConfig{
		Interface: dev.Name(),
		MTU:       cfg.MTU,
		Endpoints: m.net.endpoints,
		HostIPv6:  m.env.HostIPv6(),
		Split:     m.splitRoutingLocked(),
	}
	for _, a := range p.Interface.Addresses {
		if a.Addr().Is4() || s.IPv6 {
			tc.Addresses = append(tc.Addresses, a)
		}
	}
	for _, peer := range cfg.Peers {
		tc.AllowedIPs = append(tc.AllowedIPs, peer.AllowedIPs...)
	}
	if tc.HostIPv6 && !m.env.TunnelIPv6(tc.Interface) {
		m.env.Log.Warn("the tunnel interface has no IPv6 (Windows DisabledComponents?): IPv4 through the tunnel, IPv6 blocked", "iface", tc.Interface)
		tc = tc.WithoutTunnelIPv6()
	}
	m.net.plan = platform.MakePlan(tc)
	// The tunnel upstreams follow from the plan's routes; planned again
	// with them pinned.
	tc.Pinned = m.tunnelUpstreamsLocked(p, s)
	m.net.plan = platform.MakePlan(tc)
	if err := m.env.Router.Up(tc); err != nil {
		return dev, err
	}
	m.startDNSLocked(p, s)
	m.applyNetLocked()
	return dev, nil
}

// watch follows the handshakes until ctx ends. It returns an error only
// when the device itself fails, or errEndpointMoved when a reconnect or a
// network change found the endpoint at new addresses. While no handshake
// comes, a peer with addresses of both families moves to the next one
// every Timing.FamilyFallback.
func (m *Manager) watch(ses *session, dev Device, s settings.Settings, cfg tunnel.Config, plans []endpointPlan) error {
	ctx, t := ses.ctx, m.env.Timing
	phase, phaseStart, attempt := ipc.Connecting, time.Now().Add(-time.Second), 0
	var nextRetry time.Time
	fallback := t.FamilyFallback
	if fallback == 0 {
		fallback = DefaultTiming.FamilyFallback
	}
	fallbackAt, fallbacks := time.Now().Add(fallback), 0
	var redisc rediscovery
	tick := time.NewTimer(fastPoll)
	defer tick.Stop()
	for {
		netChanged := false
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-ses.netChanged:
			netChanged = true
		}
		// While waiting for a handshake, look often so Connected is
		// reported as soon as it is true; once connected, once per Poll.
		if phase == ipc.Connected {
			tick.Reset(t.Poll)
		} else {
			tick.Reset(min(fastPoll, t.Poll))
		}
		if redisc.due(time.Now()) {
			netChanged = true
		}
		if netChanged {
			m.followMTU(ses, dev, cfg)
			// The family the host reaches may have changed (an IPv6-only
			// network now): re-decide from the cache, reconnect if the
			// addresses to try are not the same.
			if _, p, err := m.tunnelConfig(ses, s, nil, nil); err == nil {
				if redisc.note(m, decideReplan(samePlans(p, plans), ses.reach)) == replanReconnect {
					m.logPlans(p)
					m.env.Log.Info("network changed: the endpoint family changes, reconnecting")
					return errEndpointMoved
				}
			}
		}
		st, err := dev.Stats()
		if err != nil {
			return fmt.Errorf("WireGuard device: %w", err)
		}
		now := time.Now()
		hs := st.LastHandshake
		next, reason, rearm := step(t, phase, phaseStart, nextRetry, hs, now)
		switched := false
		if !rearm && next != ipc.Connected && now.After(fallbackAt) {
			fallbackAt = now.Add(fallback)
			if switched = nextChoice(&cfg, plans, fallbacks+1); switched {
				fallbacks++
				m.env.Log.Info("endpoint family fallback: no handshake yet, trying the next address", "after", fallback, "to", endpointsOf(cfg.Peers))
				if err := dev.Reconfigure(cfg); err != nil {
					return fmt.Errorf("reconfigure WireGuard: %w", err)
				}
			}
		}
		if rearm {
			attempt++
			if c, p, err := m.tunnelConfig(ses, s, &cfg, plans); err == nil {
				switch redisc.note(m, decideReplan(samePlans(p, plans), ses.reach)) {
				case replanReconnect:
					m.logPlans(p)
					m.env.Log.Info("endpoint moved: reconnecting to the new address", "from", endpointsOf(cfg.Peers), "to", endpointsOf(c.Peers))
					return errEndpointMoved
				case replanKeep:
					nextChoice(&c, plans, fallbacks)
					cfg = c
				}
			}
			if err := dev.Reconfigure(cfg); err != nil {
				return fmt.Errorf("reconfigure WireGuard: %w", err)
			}
		}
		if next == ipc.Error && phase != ipc.Error {
			nextRetry = now.Add(backoff(t, attempt+1))
		}
		if next == ipc.Connected {
			attempt = 0
		}
		if next != phase || rearm {
			phaseStart = now.Add(-time.Millisecond)
		}
		if next == ipc.Connected {
			// The address that got the handshake stays; a later stale
			// handshake starts a new fallback round from it.
			fallbackAt = now.Add(fallback)
		}
		m.mu.Lock()
		if m.cur != ses {
			m.mu.Unlock()
			return nil
		}
		m.updateStatsLocked(st, cfg)
		if rearm || switched {
			// A stale handshake may mean the way to the server changed:
			// the endpoint host route follows the current gateway.
			m.replanLocked(reason)
		}
		if next == ipc.Error {
			m.status.LastError = reason
			m.status.Retry = &nextRetry
		} else if next == ipc.Connected {
			m.status.LastError, m.status.Retry = "", nil
		}
		if next == ipc.Connected && phase != ipc.Connected && m.net.plan.Block4 && m.net.dns != nil && len(m.net.dns.Resolvers) > 0 {
			go m.probeTunnelNAT64(ses, netip.AddrPortFrom(m.net.dns.Resolvers[0], 53))
		}
		m.setStateLocked(next, reason)
		m.mu.Unlock()
		phase = next
	}
}

// rediscovery schedules the NAT64 discoveries that got no answer: asked
// again on the retry backoff, so at most Timing.RetryMax apart, for as
// long as the session runs.
type rediscovery struct {
	n  int
	at time.Time
}

// note records a re-plan's decision, scheduling the next discovery (one
// log line) when it got no answer, and returns the decision.
func (r *rediscovery) note(m *Manager, d replan) replan {
	switch d {
	case replanRediscover:
		r.n++
		wait := backoff(m.env.Timing, r.n)
		r.at = time.Now().Add(wait)
		m.env.Log.Info("NAT64 discovery got no answer: keeping the endpoint in use, asking again", "in", wait, "attempt", r.n)
	case replanKeep:
		r.n = 0
	}
	return d
}

// due reports whether a scheduled discovery is due, unscheduling it.
func (r *rediscovery) due(now time.Time) bool {
	if r.at.IsZero() || now.Before(r.at) {
		return false
	}
	r.at = time.Time{}
	return true
}

// step is the handshake state machine: from the phase, when it began, the
// last handshake and the clock, it returns the next phase, the reason, and
// whether to re-arm the peers (re-resolve, new handshake).
func step(t Timing, phase ipc.State, since, nextRetry, hs, now time.Time) (ipc.State, string, bool) {
	switch phase {
	case ipc.Connected:
		if now.Sub(hs) > t.StaleAfter {
			return ipc.Reconnecting, fmt.Sprintf("no handshake for %s", t.StaleAfter), true
		}
		return ipc.Connected, "handshake fresh", false
	case ipc.Connecting, ipc.Reconnecting, ipc.Error:
		if hs.After(since) {
			return ipc.Connected, "handshake completed", false
		}
	}
	switch {
	case phase == ipc.Connecting && now.Sub(since) > t.HandshakeTimeout:
		return ipc.Error, fmt.Sprintf("no handshake with the server within %s: it may be down, unreachable from this network, or the keys may not match", t.HandshakeTimeout), false
	case phase == ipc.Error && !now.Before(nextRetry):
		return ipc.Connecting, "retry", true
	case phase == ipc.Reconnecting && now.Sub(since) > t.HandshakeTimeout:
		return ipc.Reconnecting, "still no handshake, retrying", true
	}
	return phase, "waiting for handshake", false
}

func (m *Manager) updateStatsLocked(st tunnel.Stats, cfg tunnel.Config) {
	m.status.RxBytes, m.status.TxBytes = st.RxBytes, st.TxBytes
	m.status.LastHandshake = nil
	if !st.LastHandshake.IsZero() {
		hs := st.LastHandshake
		m.status.LastHandshake = &hs
	}
	eps := endpointsOf(cfg.Peers)
	if len(eps) > 0 && !slices.Equal(eps, m.net.endpoints) {
		m.net.endpoints = eps
	}
}

// tearDownLocked removes the device, its routes and DNS. The firewall is
// re-rendered for the new state by the caller's next transition.
func (m *Manager) tearDownLocked() {
	m.stopDNSLocked()
	if err := m.env.Router.Down(); err != nil {
		m.env.Log.Warn("routes down", "err", err)
	}
	if m.net.dev != nil {
		m.net.dev.Close()
		m.net.dev = nil
	}
	m.net.plan = platform.Plan{}
	m.net.endpoints, m.net.plans, m.net.tunnelNAT64, m.net.mtu = nil, nil, netip.Prefix{}, platform.MTUChoice{}
	m.status.RxBytes, m.status.TxBytes, m.status.LastHandshake = 0, 0, nil
}
