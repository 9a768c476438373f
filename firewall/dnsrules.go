package firewall

import "net/netip"

// dotPort is DNS over TLS (TCP, RFC 7858) and over QUIC (UDP, RFC 9250).
const dotPort = 853

// dnsOut lets DNS reach the local resolver, lets only the resolver reach
// its upstreams, and rejects every other port-53 packet before the LAN
// accepts could let it out.
func (b builder) dnsOut() []Rule {
	d := b.in.DNS
	if !d.Manage {
		return nil
	}
	var rs []Rule
	for _, f := range bothFamilies {
		var dst []netip.Prefix
		for _, a := range d.Resolvers {
			if familyOf(a) == f && b.wants(f) {
				dst = append(dst, hostPrefix(a))
			}
		}
		for _, p := range tcpAndUDP {
			if len(dst) > 0 {
				rs = append(rs, Rule{Family: f, Proto: p, Dst: dst, DstPort: dnsPort, Action: Accept, Reason: "DNS to the local resolver"})
			}
		}
	}
	for _, u := range d.Upstreams {
		rs = append(rs, b.upstream(u)...)
	}
	return append(rs, dnsReject("DNS anywhere else (leak)")...)
}

// upstream lets the resolver reach one upstream: through the tunnel, or
// over the LAN for a LAN upstream (lanUpstream).
func (b builder) upstream(u netip.AddrPort) []Rule {
	f := familyOf(u.Addr())
	if !b.wants(f) {
		return nil
	}
	iface, reason := "", "resolver to its LAN upstream"
	if !b.lanUpstream(u.Addr()) {
		if b.in.Tunnel == nil || b.in.Tunnel.Interface == "" {
			return nil
		}
		iface, reason = b.in.Tunnel.Interface, "resolver to its upstream through the tunnel"
	}
	var rs []Rule
	for _, p := range tcpAndUDP {
		rs = append(rs, Rule{
			Family: f, Proto: p, Iface: iface,
			Dst: []netip.Prefix{hostPrefix(u.Addr())}, DstPort: u.Port(),
			Service: true, Mark: b.in.DNS.Mark, Action: Accept, Reason: reason,
		})
	}
	return rs
}

func dnsReject(reason string) []Rule {
	return []Rule{
		{Proto: ProtoUDP, DstPort: dnsPort, Action: Reject, Reason: reason},
		{Proto: ProtoTCP, DstPort: dnsPort, Action: Reject, Reason: reason},
	}
}

// encryptedDNSReject rejects DNS over TLS and QUIC (port 853) that is
// about to leave outside the tunnel, where only the LAN accepts could
// still let it out: to a LAN resolver it tells the local network every
// name, as port 53 would (a stub doing opportunistic DoT to the router it
// got by DHCP). It sits after the tunnel accept, so DoT through the
// tunnel works, and is rendered only where a LAN accept follows and
// Palisade manages DNS (mode "existing" leaves the OS its LAN resolver).
func (b builder) encryptedDNSReject() []Rule {
	if !b.in.DNS.Manage || !b.in.AllowLAN {
		return nil
	}
	const reason = "DNS over TLS/QUIC to the local network (names would leak to it)"
	return []Rule{
		{Proto: ProtoUDP, DstPort: dotPort, Action: Reject, Reason: reason},
		{Proto: ProtoTCP, DstPort: dotPort, Action: Reject, Reason: reason},
	}
}
