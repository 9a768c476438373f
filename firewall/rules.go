package firewall

import (
	"net/netip"
	"slices"
)

// ICMPv6 types the kill switch lets through (RFC 4443, RFC 4861).
const (
	icmp6PacketTooBig     = 2
	icmp6RouterSolicit    = 133
	icmp6RouterAdvert     = 134
	icmp6NeighborSolicit  = 135
	icmp6NeighborAdvert   = 136
	icmp6Redirect         = 137
	dnsPort               = 53
	dhcp4ClientPort       = 68
	dhcp4ServerPort       = 67
	dhcp6ClientPort       = 546
	dhcp6ServerPort       = 547
	reasonRejectRest      = "kill switch: everything else is rejected"
	reasonDropRestInbound = "kill switch: everything else inbound is dropped"
)

// bootstrapSets name the bootstrap permit's address sets per family.
var bootstrapSets = map[Family]string{FamilyIPv4: "bootstrap4", FamilyIPv6: "bootstrap6"}

var (
	lan4 = prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
		"224.0.0.0/24", "239.0.0.0/8", "255.255.255.255/32")
	lan6 = prefixes("fe80::/10", "fc00::/7", "ff01::/16", "ff02::/16", "ff03::/16",
		"ff04::/16", "ff05::/16")
	linkLocal6     = prefixes("fe80::/10")
	linkScope6     = prefixes("fe80::/10", "ff02::/16")
	dhcp6Servers   = prefixes("ff02::1:2/128", "ff05::1:3/128")
	allRouters6    = prefixes("ff02::2/128")
	ula6           = prefixes("fc00::/7")
	nonRoutedIPv6  = prefixes("::1/128", "fe80::/10", "ff00::/8")
	nonRoutedIPv4  = prefixes("127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32")
	private4       = prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
	tcpAndUDP      = []Proto{ProtoUDP, ProtoTCP}
	bothFamilies   = []Family{FamilyIPv4, FamilyIPv6}
	reasonV6NoTun  = "tunnel has no IPv6: off-link IPv6 would leak, reject it"
	reasonV4NoTun  = "tunnel has no IPv4: off-link IPv4 would leak, reject it"
	reasonCVE      = "drop packets for a tunnel address that did not arrive on the tunnel (CVE-2019-14899)"
	reasonLoopback = "loopback"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// builder renders the rule lists for one Input.
type builder struct {
	in Input
}

func (b builder) engagedOutput() []Rule {
	rs := []Rule{{Loopback: true, Action: Accept, Reason: reasonLoopback}}
	rs = append(rs, b.endpointsOut()...)
	rs = append(rs, b.bootstrapOut()...)
	rs = append(rs, b.splitOut()...)
	rs = append(rs, b.familyBlock()...)
	rs = append(rs, b.dnsOut()...)
	rs = append(rs, b.splitGroupOut()...)
	rs = append(rs, b.tunnelAccept("tunnel interface")...)
	rs = append(rs, b.encryptedDNSReject()...)
	rs = append(rs, b.linkServicesOut()...)
	rs = append(rs, b.lan(false)...)
	return append(rs, Rule{Action: Reject, Reason: reasonRejectRest})
}

func (b builder) engagedInput() []Rule {
	rs := []Rule{{Loopback: true, Action: Accept, Reason: reasonLoopback}}
	rs = append(rs, b.splitIn()...)
	rs = append(rs, b.cve()...)
	rs = append(rs, b.splitListen()...)
	// On nftables this rule's ct match (and the forward chain's) also
	// turns conntrack on in the namespace, and with it the kernel's
	// reassembly of fragments before our chains: without it a DNS
	// datagram's later fragments, which carry no port, would pass the
	// port-53 reject to a LAN address.
	rs = append(rs, Rule{Established: true, Action: Accept, Reason: "replies to allowed connections"})
	rs = append(rs, b.endpointsIn()...)
	rs = append(rs, b.tunnelAccept("tunnel interface")...)
	rs = append(rs, b.linkServicesIn()...)
	rs = append(rs, b.lan(true)...)
	return append(rs, Rule{Action: Drop, Reason: reasonDropRestInbound})
}

// engagedForward holds containers and VMs to the output rules. Their DNS
// may go through the tunnel since they cannot reach the local resolver.
func (b builder) engagedForward() []Rule {
	rs := []Rule{{Established: true, Action: Accept, Reason: "replies to allowed connections"}}
	rs = append(rs, b.familyBlock()...)
	rs = append(rs, b.tunnelAccept("forwarded into the tunnel")...)
	if b.in.DNS.Manage {
		rs = append(rs, dnsReject("forwarded DNS outside the tunnel")...)
	}
	rs = append(rs, b.encryptedDNSReject()...)
	rs = append(rs, b.lan(false)...)
	return append(rs, Rule{Action: Reject, Reason: reasonRejectRest})
}

func (b builder) idleOutput() []Rule {
	block, dns := b.familyBlock(), b.idleDNS()
	if len(block) == 0 && len(dns) == 0 {
		return nil
	}
	rs := []Rule{{Loopback: true, Action: Accept, Reason: reasonLoopback}}
	rs = append(rs, b.endpointsOut()...)
	rs = append(rs, b.bootstrapOut()...)
	rs = append(rs, b.splitOut()...)
	rs = append(rs, block...)
	return append(rs, dns...)
}

// idleDNS keeps DNS on the local resolver while a full tunnel is up and
// the kill switch is not engaged, where the OS would otherwise also ask the
// physical adapters' servers (Input.BlockOtherDNS). It starts once the
// system points at the resolver, and ends with the tunnel.
func (b builder) idleDNS() []Rule {
	t := b.in.Tunnel
	if !b.in.BlockOtherDNS || t == nil || !t.Full || len(b.in.DNS.Resolvers) == 0 {
		return nil
	}
	return b.dnsOut()
}

func (b builder) idleInput() []Rule {
	cve := b.cve()
	if len(cve) == 0 {
		return nil
	}
	rs := []Rule{{Loopback: true, Action: Accept, Reason: reasonLoopback}}
	rs = append(rs, b.splitIn()...)
	return append(rs, cve...)
}

func (b builder) idleForward() []Rule {
	return b.familyBlock()
}

func (b builder) endpointsOut() []Rule {
	var rs []Rule
	for _, ep := range b.in.Endpoints {
		rs = append(rs, Rule{
			Family: familyOf(ep.Addr()), Proto: ProtoUDP,
			Dst: []netip.Prefix{hostPrefix(ep.Addr())}, DstPort: ep.Port(),
			Service: true, Mark: b.in.FwMark, Action: Accept,
			Reason: "WireGuard endpoint, only from the service's own socket",
		})
	}
	return rs
}

// bootstrapOut lets the service's own sockets ask the system's name
// servers for endpoint names, so a blocked machine can still (re)connect.
// It sits before the DNS reject and the IPv6 block, and never matches the
// tunnel: the lookup must work while the tunnel is down or stale.
//
// The rules stay in place between lookups with their address sets
// (bootstrapSets) empty, so opening and closing the permit for one lookup
// changes only the sets' elements; they need the service's mark to match.
func (b builder) bootstrapOut() []Rule {
	if b.in.FwMark == 0 {
		return nil
	}
	var rs []Rule
	for _, f := range bothFamilies {
		if !b.wants(f) {
			continue
		}
		var dst []netip.Prefix
		var scoped []netip.Addr
		for _, a := range b.bootstrapServers() {
			switch {
			case familyOf(a) != f:
			case linkZone(a) != "":
				scoped = append(scoped, a)
			case !slices.Contains(dst, hostPrefix(a)):
				dst = append(dst, hostPrefix(a))
			}
		}
		for _, p := range tcpAndUDP {
			r := Rule{
				Family: f, Proto: p, Dst: dst, Set: bootstrapSets[f], DstPort: dnsPort,
				Service: true, Mark: b.in.FwMark, Action: Accept,
				Reason: "endpoint name lookups, only from the service's own sockets to the system's name servers",
			}
			if t := b.in.Tunnel; t != nil && t.Interface != "" {
				r.Iface, r.NotIface = t.Interface, true
			}
			rs = append(rs, r)
		}
		rs = append(rs, b.scopedBootstrap(scoped)...)
	}
	return rs
}

// scopedBootstrap lets the service's lookups reach link-local name servers
// (fe80::1%en0, a router announcing itself as DNS) on the link their zone
// names and no other: a set holds bare addresses, and a bare fe80::1 would
// be permitted on every link. A zone naming the tunnel is skipped, since
// the lookups never go through the tunnel. These rules exist only while
// the permit is open, so opening it for such a server reloads the rules
// instead of refilling the sets.
func (b builder) scopedBootstrap(servers []netip.Addr) []Rule {
	var rs []Rule
	for _, a := range servers {
		zone := linkZone(a)
		if t := b.in.Tunnel; t != nil && zone == t.Interface {
			continue
		}
		for _, p := range tcpAndUDP {
			rs = append(rs, Rule{
				Family: familyOf(a), Proto: p, Iface: zone, Dst: []netip.Prefix{hostPrefix(a)}, DstPort: dnsPort,
				Service: true, Mark: b.in.FwMark, Action: Accept,
				Reason: "endpoint name lookups, only from the service's own sockets to a link-local name server on its link",
			})
		}
	}
	return rs
}

// linkZone is the zone of a link-local address (an interface name, or its
// index on Windows), "" for any other address: only link-local addresses
// are ambiguous without one.
func linkZone(a netip.Addr) string {
	if a.Is6() && a.IsLinkLocalUnicast() {
		return a.Zone()
	}
	return ""
}

func (b builder) endpointsIn() []Rule {
	var rs []Rule
	for _, ep := range b.in.Endpoints {
		rs = append(rs, Rule{
			Family: familyOf(ep.Addr()), Proto: ProtoUDP,
			Src: []netip.Prefix{hostPrefix(ep.Addr())}, SrcPort: ep.Port(),
			Action: Accept, Reason: "WireGuard endpoint (peer-initiated handshakes)",
		})
	}
	return rs
}

// familyBlock rejects off-link traffic of a family the tunnel does not
// carry while it takes all of the other (Tunnel.Block6, Tunnel.Block4),
// kill switch or not, so nothing prefers a leaking path. The host's own
// link, the family's routes into the tunnel, and with allow_lan its
// private ranges stay reachable.
func (b builder) familyBlock() []Rule {
	t := b.in.Tunnel
	if t == nil {
		return nil
	}
	var rs []Rule
	for _, x := range []struct {
		on        bool
		f         Family
		keep, lan []netip.Prefix
		reason    string
	}{
		{t.Block4, FamilyIPv4, nonRoutedIPv4, private4, reasonV4NoTun},
		{t.Block6, FamilyIPv6, nonRoutedIPv6, ula6, reasonV6NoTun},
	} {
		if !x.on {
			continue
		}
		// The family's routes the tunnel does carry ("IPv6 blocked except
		// fd64::/64") are not off-link traffic: they go into the tunnel.
		allowed := slices.Clone(x.keep)
		allowed = append(allowed, only(t.Routes, x.f)...)
		allowed = append(allowed, only(b.in.OnLink, x.f)...)
		if b.in.AllowLAN {
			allowed = append(allowed, x.lan...)
		}
		rs = append(rs, Rule{Family: x.f, Dst: allowed, NotDst: true, Action: Reject, Reason: x.reason})
	}
	return rs
}

func (b builder) cve() []Rule {
	t := b.in.Tunnel
	if t == nil || t.Interface == "" {
		return nil
	}
	var rs []Rule
	for _, f := range bothFamilies {
		var dst []netip.Prefix
		for _, a := range t.Addresses {
			if familyOf(a.Addr()) == f {
				dst = append(dst, hostPrefix(a.Addr()))
			}
		}
		if len(dst) > 0 {
			rs = append(rs, Rule{Family: f, Iface: t.Interface, NotIface: true, Dst: dst, Action: Drop, Reason: reasonCVE})
		}
	}
	return rs
}

func (b builder) tunnelAccept(reason string) []Rule {
	if b.in.Tunnel == nil || b.in.Tunnel.Interface == "" {
		return nil
	}
	return []Rule{{Iface: b.in.Tunnel.Interface, Action: Accept, Reason: reason}}
}

// linkServicesOut keeps address configuration and path MTU discovery
// working while blocked. Each accept is held to the link: DHCPv4 to the
// broadcast address or an on-link network (a renewal goes to the server
// that leased the address), NDP and packet-too-big to link-local and
// link-scope multicast addresses or an on-link prefix (neighbours, and
// guests on a bridge). Without the destinations a program with a raw
// socket carried any data to any internet host in a "DHCP" datagram or
// an ICMPv6 message of these types (TestPacketTricksStayIn).
func (b builder) linkServicesOut() []Rule {
	dhcp4 := append(prefixes("255.255.255.255/32"), only(b.in.OnLink, FamilyIPv4)...)
	rs := []Rule{{Family: FamilyIPv4, Proto: ProtoUDP, SrcPort: dhcp4ClientPort, Dst: dhcp4, DstPort: dhcp4ServerPort, Action: Accept, Reason: "DHCPv4"}}
	if !b.in.HostIPv6 {
		return rs
	}
	link6 := append(slices.Clone(linkScope6), only(b.in.OnLink, FamilyIPv6)...)
	return append(rs,
		Rule{Family: FamilyIPv6, Proto: ProtoUDP, Src: linkLocal6, SrcPort: dhcp6ClientPort, Dst: dhcp6Servers, DstPort: dhcp6ServerPort, Action: Accept, Reason: "DHCPv6"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6RouterSolicit, Dst: allRouters6, Action: Accept, Reason: "NDP router solicitation"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6NeighborSolicit, Dst: link6, Action: Accept, Reason: "NDP neighbor solicitation"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6NeighborAdvert, Dst: link6, Action: Accept, Reason: "NDP neighbor advertisement"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6PacketTooBig, Dst: link6, Action: Accept, Reason: "ICMPv6 packet too big (path MTU)"},
	)
}

func (b builder) linkServicesIn() []Rule {
	rs := []Rule{{Family: FamilyIPv4, Proto: ProtoUDP, SrcPort: dhcp4ServerPort, DstPort: dhcp4ClientPort, Action: Accept, Reason: "DHCPv4"}}
	if !b.in.HostIPv6 {
		return rs
	}
	return append(rs,
		Rule{Family: FamilyIPv6, Proto: ProtoUDP, SrcPort: dhcp6ServerPort, Dst: linkLocal6, DstPort: dhcp6ClientPort, Action: Accept, Reason: "DHCPv6"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6RouterAdvert, Src: linkLocal6, Action: Accept, Reason: "NDP router advertisement"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6NeighborSolicit, Action: Accept, Reason: "NDP neighbor solicitation"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6NeighborAdvert, Action: Accept, Reason: "NDP neighbor advertisement"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6Redirect, Src: linkLocal6, Action: Accept, Reason: "NDP redirect"},
		Rule{Family: FamilyIPv6, Proto: ProtoICMPv6, ICMPType: icmp6PacketTooBig, Action: Accept, Reason: "ICMPv6 packet too big (path MTU)"},
	)
}

// lan accepts the local network when allowed; inbound matches the source.
func (b builder) lan(inbound bool) []Rule {
	if !b.in.AllowLAN {
		return nil
	}
	var rs []Rule
	for _, f := range bothFamilies {
		if !b.wants(f) {
			continue
		}
		nets := slices.Clone(lan4)
		if f == FamilyIPv6 {
			nets = slices.Clone(lan6)
		}
		nets = append(nets, b.onLinkLAN(f)...)
		r := Rule{Family: f, Action: Accept, Reason: "allow_lan: local networks and on-link prefixes"}
		if inbound {
			r.Src = nets
		} else {
			r.Dst = nets
		}
		rs = append(rs, r)
	}
	return rs
}

// wants reports whether family-specific accepts are rendered for f.
func (b builder) wants(f Family) bool {
	return f == FamilyIPv4 || b.in.HostIPv6
}

// onLinkLAN is what allow_lan adds to the fixed private ranges of family
// f: the on-link IPv6 prefixes (a LAN neighbour with only a global /64 is
// reached through one), never an on-link IPv4 network. A public IPv4
// network is on-link only because the LAN's DHCP said so, and a hostile
// one says so to pull traffic for that network out of the tunnel
// (TunnelCrack's LocalNet, CVE-2023-36672); IPv4 LANs are private.
func (b builder) onLinkLAN(f Family) []netip.Prefix {
	if f != FamilyIPv6 {
		return nil
	}
	return only(b.in.OnLink, f)
}

func (b builder) isLAN(a netip.Addr) bool {
	nets := append(slices.Clone(lan4), lan6...)
	nets = append(nets, b.onLinkLAN(FamilyIPv6)...)
	return longestMatch(nets, a) >= 0
}

// LANUpstream reports whether the resolver reaches upstream a over the
// LAN under in (see lanUpstream); every other upstream is a tunnel
// upstream, which routing pins into the tunnel (platform.TunnelConfig.Pinned).
func LANUpstream(in Input, a netip.Addr) bool {
	return builder{in: in}.lanUpstream(a)
}

// lanUpstream reports whether the resolver reaches upstream a over the
// LAN: the LAN is allowed, a is a local address, and the tunnel does not
// carry it. What the tunnel carries (its routes and its own addresses'
// networks) is a tunnel upstream however private the address: a
// provider's resolver such as 10.64.0.1 inside 0.0.0.0/0 must never be
// asked over the physical interface. The one exception is an upstream
// the user chose (DNS.Chosen) on an on-link prefix of a physical
// interface more specific than every tunnel route covering a (a Pi-hole
// beside a full tunnel): the host's routes send it there. The profile's
// own servers get no such exception: the network decides what is
// on-link, and a hostile one numbered inside the provider's resolver
// network (a lease in 10.64.0.0/24 beside Mullvad's 10.64.0.1) would
// otherwise receive every query in the clear.
func (b builder) lanUpstream(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !b.in.AllowLAN || !b.isLAN(a) {
		return false
	}
	t := b.in.Tunnel
	if t == nil {
		return true
	}
	carried := slices.Clone(t.Routes)
	for _, p := range t.Addresses {
		carried = append(carried, p.Masked())
	}
	tunnel := longestMatch(carried, a)
	return tunnel < 0 || b.in.DNS.Chosen && longestMatch(b.in.OnLink, a) > tunnel
}

// longestMatch returns the length of the most specific prefix of ps that
// contains a, or -1 when none does.
func longestMatch(ps []netip.Prefix, a netip.Addr) int {
	best := -1
	for _, p := range ps {
		if p.Contains(a) && p.Bits() > best {
			best = p.Bits()
		}
	}
	return best
}

func only(ps []netip.Prefix, f Family) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		if p.IsValid() && familyOf(p.Addr()) == f {
			out = append(out, p.Masked())
		}
	}
	return out
}

func familyOf(a netip.Addr) Family {
	if a.Unmap().Is4() {
		return FamilyIPv4
	}
	return FamilyIPv6
}

func hostPrefix(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen())
}
