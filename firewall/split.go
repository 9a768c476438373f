package firewall

import (
	"net/netip"
	"slices"
)

// SplitMode is how the split tunnel treats the programs of its group.
type SplitMode uint8

// Split tunnel modes.
const (
	// SplitBypass: the group's programs skip the tunnel and the kill
	// switch; everything else keeps to the tunnel.
	SplitBypass SplitMode = iota + 1
	// SplitVPNOnly: only the group's programs use the tunnel, and the kill
	// switch holds them alone; everything else goes out directly.
	SplitVPNOnly
)

func (m SplitMode) String() string {
	switch m {
	case SplitBypass:
		return "bypass"
	case SplitVPNOnly:
		return "vpn-only"
	}
	return "off"
}

// Split describes the split tunnel's group of programs (Linux).
type Split struct {
	Mode SplitMode
	// Cgroup is the group's cgroup: a path below the cgroup2 root, such
	// as "palisade-bypass". Its processes and their children are matched
	// by the sockets they create.
	Cgroup string
	// Mark is set on the group's packets and connections; policy routing
	// sends it to the main table (bypass) or the tunnel's (vpn-only).
	Mark uint32
	// DNSPort, in bypass mode, redirects the group's queries to the local
	// resolver to this port on the same address, where a resolver asking
	// DNSServers directly answers them; 0 leaves their DNS on the local
	// resolver (through the tunnel).
	DNSPort uint16
	// DNSServers are the system's own name servers that the bypass
	// resolver asks from the service's marked sockets, outside the tunnel.
	DNSServers []netip.Addr
}

// SplitPlan is what a backend installs for the split tunnel besides its
// filter rules: the group's packets get Mark (and their connections the
// same conntrack mark, restored on replies so reverse-path checks route
// them like the requests), marked packets leaving anything but loopback
// are masqueraded (the source address was picked before the mark changed
// the route), and the group's DNS follows Redirects.
type SplitPlan struct {
	Mode      SplitMode
	Cgroup    string
	Mark      uint32
	Redirects []Redirect
	// Tunnel is the tunnel's interface, "" without one: connections
	// arriving by it to a bypass listener stay with the tunnel.
	Tunnel string
	// Guard holds the vpn-only group to the kill switch after routing:
	// the output hook still names the interface a packet had before its
	// mark rerouted it, so only postrouting knows it leaves by the tunnel.
	Guard []Rule
}

// dirPostrouting is the split tunnel's guard chain, after routing.
const dirPostrouting = DirForward + 1

// Redirect sends the group's DNS packets for From to To instead.
type Redirect struct {
	From, To netip.AddrPort
}

// splitPlan derives the backend's split tunnel plan from the input.
func splitPlan(in Input) *SplitPlan {
	s := in.Split
	if s == nil {
		return nil
	}
	p := &SplitPlan{Mode: s.Mode, Cgroup: s.Cgroup, Mark: s.Mark}
	if in.Tunnel != nil {
		p.Tunnel = in.Tunnel.Interface
	}
	if s.Mode == SplitBypass && s.DNSPort != 0 && in.DNS.Manage {
		for _, a := range in.DNS.Resolvers {
			if familyOf(a) == FamilyIPv6 && !in.HostIPv6 {
				continue
			}
			p.Redirects = append(p.Redirects, Redirect{From: netip.AddrPortFrom(a, dnsPort), To: netip.AddrPortFrom(a, s.DNSPort)})
		}
	}
	return p
}

// splitOut sits after loopback, the endpoints and the bootstrap lookups,
// before the IPv6 block, the DNS rules and the kill switch. Bypass: the
// group goes out, whatever the kill switch; its mark routes it past the
// tunnel, so the IPv6 block and the DNS reject, which protect tunnelled
// traffic, do not touch it. VPN-only: everything without the group's
// mark goes out, so the rules below hold the group alone. (The output
// hook sees a rerouted packet's old interface, so neither rule can ask
// for the interface.)
func (b builder) splitOut() []Rule {
	s := b.in.Split
	if s == nil {
		return nil
	}
	if s.Mode == SplitVPNOnly {
		return []Rule{{Marked: s.Mark, NotMarked: true, Action: Accept,
			Reason: "split tunnel vpn-only: programs outside the group go out directly; the rules below hold the group"}}
	}
	return []Rule{{Cgroup: s.Cgroup, Action: Accept, Reason: "split tunnel bypass: the group goes out directly, past the tunnel"},
		{CtMark: s.Mark, Action: Accept, Reason: "split tunnel bypass: the group's connections, also packets without a full socket (a listener's SYN-ACK)"}}
}

// splitGroupOut, in vpn-only mode with the kill switch engaged and a
// tunnel up, passes the group's packets that the IPv6 block and the DNS
// rules let through on to the guard after routing, which knows whether
// they leave by the tunnel. Without a tunnel the mark reroutes nothing
// (the tunnel's table is empty), so the interface output names is the
// real one: the group meets the kill switch's own rules and is rejected
// where everything is (admin-prohibited, TCP reset), failing fast
// instead of waiting for the guard's drop to time out. (The guard cannot
// reject: the kernel allows reject only before routing.)
func (b builder) splitGroupOut() []Rule {
	s := b.in.Split
	if s == nil || s.Mode != SplitVPNOnly || b.in.Tunnel == nil || b.in.Tunnel.Interface == "" {
		return nil
	}
	return []Rule{{Marked: s.Mark, Action: Accept, Reason: "split tunnel vpn-only: the group's kill switch is the postrouting guard"}}
}

// splitGuard is the vpn-only group's kill switch after routing: loopback,
// the tunnel and (allow_lan) the local networks, nothing else.
func (b builder) splitGuard() []Rule {
	s := b.in.Split
	rs := []Rule{
		{Marked: s.Mark, NotMarked: true, Action: Accept, Reason: "not the group"},
		{Loopback: true, Action: Accept, Reason: reasonLoopback},
	}
	rs = append(rs, b.tunnelAccept("the group through the tunnel")...)
	rs = append(rs, b.lan(false)...)
	return append(rs, Rule{Action: Drop, Reason: "split tunnel vpn-only: the group leaves only through the tunnel (kill switch)"})
}

// splitIn lets replies to the bypass group's connections in before the
// CVE-2019-14899 drop: the group's sockets picked a tunnel source address
// before the mark rerouted them, so their replies arrive on the physical
// interface and are translated back to it. Only packets of a connection
// the group opened (conntrack mark) pass.
func (b builder) splitIn() []Rule {
	s := b.in.Split
	if s == nil || s.Mode != SplitBypass {
		return nil
	}
	return []Rule{{CtMark: s.Mark, Established: true, Action: Accept,
		Reason: "split tunnel bypass: replies to the group's connections (masqueraded)"}}
}

// splitListen, after the CVE-2019-14899 drop, lets in new connections
// to the bypass group's listening sockets (a game server, SSH): a bypass
// program talks to the network as if the VPN were not there, both ways,
// as Mullvad's excluded apps do. The split chain before routing gives
// such a connection the group's conntrack mark only when the kernel's
// own socket lookup finds a socket of the group for it, on an address of
// this host and not from the tunnel; nothing else is opened.
func (b builder) splitListen() []Rule {
	s := b.in.Split
	if s == nil || s.Mode != SplitBypass {
		return nil
	}
	return []Rule{{CtMark: s.Mark, Action: Accept, Reason: "split tunnel bypass: new connections to the group's listening sockets"}}
}

// bootstrapServers are the name servers the service's own sockets may ask
// outside the tunnel: the endpoint lookups' and the bypass resolver's.
func (b builder) bootstrapServers() []netip.Addr {
	out := slices.Clone(b.in.Bootstrap)
	if s := b.in.Split; s != nil && s.Mode == SplitBypass && s.DNSPort != 0 {
		out = append(out, s.DNSServers...)
	}
	return out
}
