package platform

// DefaultMTU is the tunnel MTU when the profile sets none: room for the
// WireGuard overhead over IPv6 on a 1500-byte link.
const DefaultMTU = 1420

// IPInterface is one row of the OS's IP interface table (Windows:
// GetIPInterfaceTable) as far as family detection cares: an interface has a
// row per family it runs, and none for a family that is disabled on it.
type IPInterface struct {
	LUID     uint64
	IPv6     bool
	Loopback bool
}

// HostIPv6From reports whether the host has IPv6 anywhere but loopback.
// With IPv6 turned off (Windows DisabledComponents 0xFF) only the loopback
// pseudo-interface keeps an IPv6 row.
func HostIPv6From(table []IPInterface) bool {
	for _, r := range table {
		if r.IPv6 && !r.Loopback {
			return true
		}
	}
	return false
}

// TunnelIPv6From reports whether the tunnel interface itself runs IPv6.
// DisabledComponents can turn IPv6 off on some kinds of interface only; then
// the host has IPv6 but the tunnel does not, and the plan must be IPv4-only
// rather than fail on adding ::/1.
func TunnelIPv6From(table []IPInterface, tunnel uint64) bool {
	for _, r := range table {
		if r.IPv6 && r.LUID == tunnel {
			return true
		}
	}
	return false
}

// WithoutTunnelIPv6 is cfg for a tunnel interface that cannot run IPv6
// (TunnelIPv6From false): its IPv6 addresses are dropped, so the plan routes
// no IPv6 into it (no ::/1 that would fail), while the host's IPv6 stays
// known and is blocked beside a full IPv4 tunnel (Block6) instead of
// leaking past it.
func (cfg TunnelConfig) WithoutTunnelIPv6() TunnelConfig {
	out := cfg
	out.Addresses = nil
	for _, a := range cfg.Addresses {
		if a.Addr().Is4() {
			out.Addresses = append(out.Addresses, a)
		}
	}
	return out
}

// IPInterfaceSettings is how the tunnel's IP interface of one family is set
// up, as wireguard-windows' addressconfig does: the profile's MTU, no
// duplicate address detection or router discovery (nothing on a
// point-to-point WireGuard link answers them, and they delay the addresses),
// and for a family the tunnel takes whole, metric 0 so the tunnel's routes
// and DNS servers are preferred over every physical interface's.
type IPInterfaceSettings struct {
	IPv6            bool
	MTU             uint32
	AutomaticMetric bool
	Metric          uint32
	DADTransmits    uint32
	RouterDiscovery bool
}

// TunnelInterfaceSettings decides the settings per family of the plan; a
// family without addresses on the tunnel is left alone.
func TunnelInterfaceSettings(p Plan, mtu int) []IPInterfaceSettings {
	if mtu <= 0 {
		mtu = DefaultMTU
	}
	var has4, has6 bool
	for _, a := range p.Addresses {
		has4 = has4 || a.Addr().Is4()
		has6 = has6 || a.Addr().Is6()
	}
	var out []IPInterfaceSettings
	for _, fam := range []struct {
		v6, has, full bool
	}{{false, has4, p.Full4}, {true, has6, p.Full6}} {
		if !fam.has {
			continue
		}
		out = append(out, IPInterfaceSettings{IPv6: fam.v6, MTU: uint32(mtu), AutomaticMetric: !fam.full})
	}
	return out
}
