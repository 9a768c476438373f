package service

import (
	"net/netip"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// chooseMTU decides the tunnel MTU for profile p reaching endpoints: the
// profile's, or the endpoints' uplink MTU minus WireGuard's overhead
// (platform.ChooseMTU). The uplinks are looked up only without a profile
// MTU; tunnel is the tunnel interface's name, whose routes do not count.
// known is false when no endpoint's uplink could be told.
func (m *Manager) chooseMTU(p *profile.Profile, s settings.Settings, endpoints []netip.AddrPort, tunnel string) (c platform.MTUChoice, known bool) {
	ipv6 := false
	for _, a := range p.Interface.Addresses {
		ipv6 = ipv6 || (a.Addr().Is6() && s.IPv6)
	}
	var ups []platform.Uplink
	if p.Interface.MTU == 0 {
		ups = platform.UplinksOf(endpoints, tunnel, m.env.Uplink)
	}
	return platform.ChooseMTU(p.Interface.MTU, ups, ipv6), p.Interface.MTU > 0 || len(ups) > 0
}

// followMTU re-decides the tunnel MTU after a network change (the
// endpoint's uplink or its MTU may have changed) and sets a new one on the
// running tunnel, without reconnecting. While no uplink can be told (the
// network is changing under it) the MTU in use stays.
func (m *Manager) followMTU(ses *session, dev Device, cfg tunnel.Config) {
	m.mu.Lock()
	set := m.settings
	m.mu.Unlock()
	c, known := m.chooseMTU(ses.profile, set, endpointsOf(cfg.Peers), dev.Name())
	if !known || c.MTU == ses.mtu.MTU {
		return
	}
	if err := m.env.SetMTU(dev, c.MTU); err != nil {
		m.env.Log.Warn("tunnel MTU not changed", "mtu", c.MTU, "why", c.Why, "err", err)
		return
	}
	m.env.Log.Info("tunnel MTU follows the uplink", "from", ses.mtu.MTU, "mtu", c.MTU, "why", c.Why)
	ses.mtu = c
	m.mu.Lock()
	if m.cur == ses {
		m.net.mtu = c
		m.applyNetLocked()
	}
	m.mu.Unlock()
}
