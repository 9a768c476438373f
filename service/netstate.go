package service

import (
	"net/netip"
	"reflect"
	"time"

	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
)

// HandshakeDNS are the default upstreams of the handshake DNS mode:
// HDNS.io's public resolvers, which answer Handshake (HNS) names as well as
// ICANN ones.
var HandshakeDNS = []netip.Addr{netip.MustParseAddr("103.196.38.38"), netip.MustParseAddr("103.196.38.39")}

// netState is what the manager has set up on the host.
type netState struct {
	dev       Device
	plan      platform.Plan
	endpoints []netip.AddrPort
	// plans are the peers' endpoint plans: what status says about NAT64.
	plans []endpointPlan
	// tunnelNAT64 is the NAT64 prefix the tunnel's DNS64 synthesizes
	// under, found beside an IPv6-only tunnel (probeTunnelNAT64).
	tunnelNAT64 netip.Prefix
	// mtu is the tunnel MTU in use and why (chooseMTU).
	mtu platform.MTUChoice
	// nat64Said is the last NAT64 discovery outcome logged (sayNAT64).
	nat64Said string
	dns       *DNSInfo
	upstreams []netip.AddrPort
	// dnsWarning says why the system DNS could not be pointed at the
	// local resolver during this session ("" when it was, or not tried).
	dnsWarning string
	// bootstrap are the system's name servers the firewall lets the
	// service ask while it resolves an endpoint name; nil otherwise.
	bootstrap []netip.Addr
	policy    firewall.Policy
	applied   bool
	// recorded tells that the kept-block record describes the applied
	// engaged policy (recordEngagedLocked).
	recorded bool
	// restart is set by a stop that keeps the block (stopKeepsBlock: a
	// restart, prepare-restart, a system shutdown): the block then
	// outlives the process (firewall.Input.Restart).
	restart bool
	// splitDNS is the bypass group's resolver, while it runs.
	splitDNS *splitDNS
	// onLink caches the host's on-link prefixes: reading them dumps the
	// routing table, too much for every poll. The network monitor and
	// each connect refresh it.
	onLink []netip.Prefix
}

// firewallInput describes the manager's state for the policy.
func (m *Manager) firewallInputLocked() firewall.Input {
	in := firewall.Input{
		State:         firewall.TunnelState(m.status.State),
		Mode:          firewall.Mode(m.settings.KillSwitch),
		Armed:         m.armed,
		Restart:       m.net.restart,
		AllowLAN:      m.settings.AllowLAN,
		HostIPv6:      m.env.HostIPv6(),
		Endpoints:     m.net.endpoints,
		FwMark:        platform.FwMark,
		Bootstrap:     m.net.bootstrap,
		OnLink:        m.net.onLink,
		BlockOtherDNS: m.env.BlockOtherDNS,
		Split:         m.splitInputLocked(),
	}
	if m.net.dev != nil {
		in.Tunnel = &firewall.Tunnel{Interface: m.net.dev.Name(), Addresses: m.net.plan.Addresses, Block6: m.net.plan.Block6,
			Block4: m.net.plan.Block4, Full: m.net.plan.Full4 || m.net.plan.Full6, Routes: m.net.plan.Routes}
	}
	if m.settings.DNS.Mode != settings.DNSExisting {
		in.DNS = firewall.DNS{Manage: true, Upstreams: m.net.upstreams, Chosen: m.settings.DNS.Mode == settings.DNSCustom,
			Mark: platform.DNSMark}
		if m.net.dns != nil {
			in.DNS.Resolvers = m.net.dns.Resolvers
		}
	}
	return in
}

// applyNetLocked re-renders the firewall for the current state (only when
// the policy changed) and refreshes the status fields that describe it.
func (m *Manager) applyNetLocked() {
	p := firewall.Compute(m.firewallInputLocked())
	// The backend logs each apply in one line; only failures are logged here.
	if m.env.Firewall != nil && (!m.net.applied || !reflect.DeepEqual(p, m.net.policy)) {
		if err := m.env.Firewall.Apply(p); err != nil {
			m.env.Log.Error("firewall apply failed", "err", err)
			m.status.LastError = "firewall: " + err.Error()
		} else {
			m.net.policy, m.net.applied = p, true
			m.recordEngagedLocked(p)
		}
	}
	s := &m.status
	s.KillSwitch = m.settings.KillSwitch
	s.KillSwitchEngaged = p.Engaged
	s.Interface, s.Addresses, s.Endpoint = "", nil, ""
	s.TunnelIPv4, s.TunnelIPv6, s.IPv4Blocked, s.IPv6Blocked, s.Routing, s.TunnelNAT64 = false, false, false, false, "", ""
	s.MTU, s.MTUWhy = 0, ""
	if m.net.dev != nil {
		s.Interface = m.net.dev.Name()
		for _, a := range m.net.plan.Addresses {
			s.Addresses = append(s.Addresses, a.String())
		}
		s.TunnelIPv4, s.TunnelIPv6 = m.net.plan.Full4, m.net.plan.Full6
		s.IPv4Blocked, s.IPv6Blocked = m.net.plan.Block4, m.net.plan.Block6
		s.Routing = m.net.plan.Scope.String()
		s.MTU, s.MTUWhy = m.net.mtu.MTU, m.net.mtu.Why
		if p := m.net.tunnelNAT64; p.IsValid() {
			s.TunnelNAT64 = p.String()
			s.Routing += "; the tunnel's DNS64 reaches IPv4-only names through NAT64 " + p.String() + ", IPv4 addresses have nowhere to go"
		}
	}
	s.EndpointFamily, s.EndpointNAT64 = "", ""
	if len(m.net.endpoints) > 0 {
		ep := m.net.endpoints[0]
		s.Endpoint, s.EndpointFamily = ep.String(), familyOf(ep.Addr())
		if nat := viaNAT64(m.net.plans, ep); nat.IsValid() {
			s.EndpointNAT64 = nat.String()
		}
	}
	s.SplitUnavailable, s.Split, s.SplitPrograms = "", "", 0
	if m.env.Split == nil {
		s.SplitUnavailable = m.env.SplitUnavailable
	}
	if m.splitOnLocked() {
		s.Split, s.SplitPrograms = m.settings.Split.Mode, len(m.settings.Split.Programs)
	}
	s.DNS = ipc.DNSStatus{Mode: m.settings.DNS.Mode, Warning: m.net.dnsWarning}
	if m.net.dns != nil {
		s.DNS.Manager = m.net.dns.Manager
		s.DNS.Resolvers = stringsOf(m.net.dns.Resolvers)
		// Upstreams are always port 53; clients show plain addresses.
		for _, u := range m.net.upstreams {
			s.DNS.Upstreams = append(s.DNS.Upstreams, u.Addr().String())
		}
	}
}

// FirewallDescription returns the active policy and the installed rules.
func (m *Manager) FirewallDescription() ipc.FirewallResponse {
	m.mu.Lock()
	p := m.net.policy
	m.mu.Unlock()
	r := ipc.FirewallResponse{Policy: p.String()}
	if m.env.Firewall == nil {
		r.Rules = "no firewall backend on this system"
		return r
	}
	rules, err := m.env.Firewall.Show()
	if err != nil {
		rules = "error reading rules: " + err.Error()
	}
	r.Rules = rules
	return r
}

// upstreamsFor picks the resolver's upstreams for the DNS mode.
func upstreamsFor(p *profile.Profile, s settings.Settings) []netip.AddrPort {
	var addrs []netip.Addr
	switch s.DNS.Mode {
	case settings.DNSTunnel:
		addrs = p.Interface.DNS
	case settings.DNSCustom:
		addrs, _ = settings.ParseDNSServers(s.DNS.Custom)
	case settings.DNSHandshake:
		addrs, _ = settings.ParseDNSServers(s.DNS.Handshake)
		if len(addrs) == 0 {
			addrs = HandshakeDNS
		}
	}
	var out []netip.AddrPort
	for _, a := range addrs {
		out = append(out, netip.AddrPortFrom(a, 53))
	}
	return out
}

// tunnelUpstreamsLocked lists the resolver's upstreams the firewall sends
// through the tunnel (not LAN upstreams), for routing to pin there too.
func (m *Manager) tunnelUpstreamsLocked(p *profile.Profile, s settings.Settings) []netip.Addr {
	if m.env.DNS == nil || s.DNS.Mode == settings.DNSExisting {
		return nil
	}
	in := m.firewallInputLocked()
	var out []netip.Addr
	for _, u := range upstreamsFor(p, s) {
		if !firewall.LANUpstream(in, u.Addr()) {
			out = append(out, u.Addr())
		}
	}
	if len(out) > 0 {
		m.env.Log.Info("dns: tunnel upstreams routed through the tunnel whatever the LAN routes", "upstreams", out)
	}
	return out
}

// startDNSLocked points the system at the local resolver. Without upstreams
// (a tunnel profile with no DNS=) the system DNS is left alone.
func (m *Manager) startDNSLocked(p *profile.Profile, s settings.Settings) {
	if m.env.DNS == nil || s.DNS.Mode == settings.DNSExisting || m.net.dev == nil {
		return
	}
	ups := upstreamsFor(p, s)
	if len(ups) == 0 {
		m.env.Log.Warn("dns: the profile has no DNS servers; system DNS left unchanged")
		return
	}
	m.net.upstreams = ups
	m.net.dnsWarning = ""
	// The firewall must let the resolver reach its upstreams before it asks.
	m.applyNetLocked()
	hide := hiddenFamily(m.net.plan)
	info, err := m.env.DNS.Up(m.net.dev.Name(), ups, hide, p.Interface.DNSSearch)
	if err != nil {
		m.dnsFailedLocked(err)
		return
	}
	m.net.dns = &info
	m.env.Log.Info("dns up", "manager", info.Manager, "upstreams", ups, "hide", hide)
	m.startSplitDNSLocked(s)
}

// viaNAT64 returns the NAT64 prefix endpoint ep was synthesized under (or
// a DNS64 answer lies in), when the plans say so.
func viaNAT64(plans []endpointPlan, ep netip.AddrPort) netip.Prefix {
	for _, p := range plans {
		for _, c := range p.Choices {
			if c.Addr == ep {
				return c.NAT64
			}
		}
	}
	return netip.Prefix{}
}

// hiddenFamily is the family the resolver answers empty: the one the plan
// blocks beside a full tunnel of the other.
func hiddenFamily(p platform.Plan) dnsproxy.Hide {
	switch {
	case p.Block6:
		return dnsproxy.HideIPv6
	case p.Block4:
		return dnsproxy.HideIPv4
	}
	return dnsproxy.HideNone
}

// dnsFailedLocked handles a system DNS that could not be pointed at the
// local resolver (resolv.conf read-only, resolvectl failing): the tunnel
// stays up and connected, as the official WireGuard apps and Mullvad keep
// a tunnel whose DNS could not be set, but the status carries the reason
// for as long as the session lasts, and whatever Up had set up (the
// resolver, its loopback addresses, a half-written system DNS) is undone
// at once so nothing of it outlives the session. With the kill switch
// engaged every other port-53 packet stays rejected: names then fail
// instead of leaking to the system's old servers.
func (m *Manager) dnsFailedLocked(err error) {
	m.net.dnsWarning = "system DNS not set: " + err.Error()
	m.env.Log.Error("dns: system DNS not set; connected without it, see the status", "err", err)
	if err := m.env.DNS.Down(); err != nil {
		m.env.Log.Warn("dns down after the failed set-up", "err", err)
	}
	m.net.upstreams = nil
}

func (m *Manager) stopDNSLocked() {
	m.net.dnsWarning = ""
	m.net.splitDNS = nil
	if m.net.dns == nil {
		m.net.upstreams = nil
		return
	}
	if err := m.env.DNS.Down(); err != nil {
		m.env.Log.Warn("dns down", "err", err)
	}
	m.net.dns, m.net.upstreams = nil, nil
}

// shutdownNetLocked runs at service stop: the kill switch's block stays
// where stopKeepsBlock says so (re-applied, so it is whole and, with
// always, persistent), with a record of it for the CLI and tray
// (keptblock); otherwise every rule is removed. The restart
// marker is taken either way, so it counts for this stop only.
func (m *Manager) shutdownNetLocked(kind StopKind, evidence string) {
	m.stopDNSLocked()
	prepared := takeRestartMarker(m.env.StateDir, time.Now())
	if m.env.Firewall == nil {
		return
	}
	keep, why := stopKeepsBlock(m.settings.KillSwitch, m.armed, prepared, kind)
	if keep {
		// Persistent, so that WFP keeps it past the process and a reboot
		// before the new one starts (pf and nftables keep theirs anyway).
		m.net.restart = true
		m.applyNetLocked()
		m.env.Log.Info("stopping: the kill switch's block stays until the service is back", "why", why, "stop", kind.String(), "evidence", evidence)
		if err := keptblock.Write(m.env.StateDir, keptRecord(m.net.policy, m.settings, kind.String(), why, time.Now())); err != nil {
			m.env.Log.Warn("kept-block record not written: the CLI and tray can tell the block only by reading the firewall", "err", err)
		}
		return
	}
	m.env.Log.Info("stopping: the kill switch's block is lifted", "why", why, "stop", kind.String(), "evidence", evidence)
	if err := m.env.Firewall.Remove(); err != nil {
		m.env.Log.Warn("firewall remove", "err", err)
	}
	m.net.applied = false
	m.recordEngagedLocked(firewall.Policy{})
}

func stringsOf[T interface{ String() string }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}
