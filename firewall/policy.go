// Package firewall computes Palisade's dual-stack kill switch as a plain
// value (Policy) and renders it through one backend per OS: nftables on
// Linux, a pf anchor on macOS and WFP filters on Windows.
//
// The deciding logic lives in Compute and is OS-free; backends only
// translate rules and install them atomically.
package firewall

import "net/netip"

// Mode is the kill switch setting.
type Mode string

// Kill switch modes.
const (
	ModeOff    Mode = "off"
	ModeAuto   Mode = "auto"
	ModeAlways Mode = "always"
)

// TunnelState is the tunnel manager's state, as far as the firewall cares.
type TunnelState string

// Tunnel states.
const (
	StateDisconnected  TunnelState = "disconnected"
	StateConnecting    TunnelState = "connecting"
	StateConnected     TunnelState = "connected"
	StateReconnecting  TunnelState = "reconnecting"
	StateDisconnecting TunnelState = "disconnecting"
	StateError         TunnelState = "error"
)

// Input is everything the policy depends on.
type Input struct {
	State TunnelState
	Mode  Mode
	// Armed is set once a connect has succeeded, and cleared when the
	// user disconnects, so the auto block survives drops and errors (and
	// a mode change to auto while reconnecting); other modes ignore it.
	Armed bool
	// Restart tells that the service is stopping for a restart
	// (prepare-restart before an upgrade): an engaged block is to outlive
	// the process, as with mode always, until the new one takes it over.
	Restart  bool
	AllowLAN bool
	// HostIPv6 reports whether the host has IPv6 at all; without it no
	// IPv6-specific accepts are rendered, but IPv6 is still rejected.
	HostIPv6 bool
	// Tunnel is nil when no tunnel interface exists.
	Tunnel *Tunnel
	// Endpoints are the resolved WireGuard peer endpoints.
	Endpoints []netip.AddrPort
	// FwMark is the mark on the service's WireGuard socket (Linux) and on
	// its bootstrap resolver's sockets.
	FwMark uint32
	// Bootstrap are the system's own name servers, which the service asks
	// for endpoint host names while the block is engaged: only its own
	// sockets, only port 53, never through the tunnel.
	Bootstrap []netip.Addr
	DNS       DNS
	// OnLink are the on-link prefixes of the physical interfaces.
	OnLink []netip.Prefix
	// BlockOtherDNS asks for port 53 to reach only the local resolver while
	// a full tunnel is up, kill switch engaged or not. Windows sends
	// queries to every adapter's DNS servers, so pointing the tunnel
	// adapter at the resolver alone leaks them (wireguard-windows blocks
	// them the same way); platform.SendsDNSToEveryAdapter says where.
	BlockOtherDNS bool
	// Split is the per-program split tunnel (Linux); nil when it is off.
	Split *Split
}

// Tunnel describes the tunnel interface.
type Tunnel struct {
	Interface string
	Addresses []netip.Prefix
	// Routes are the allowed IPs the tunnel carries (platform.Plan.Routes).
	// A DNS upstream inside them, or inside the network of one of
	// Addresses, is reached through the tunnel even when its address is
	// private and the LAN is allowed: it is the provider's resolver (such
	// as Mullvad's 10.64.0.1), not a LAN one.
	Routes []netip.Prefix
	// Block6 is set when the tunnel takes all IPv4 but carries no IPv6
	// (platform.Plan.Block6, the routing layer's decision): off-link IPv6 is
	// then rejected so nothing prefers a leaking IPv6 path beside it.
	Block6 bool
	// Block4 is Block6's mirror: the tunnel takes all IPv6 but carries no
	// IPv4 (platform.Plan.Block4), so off-link IPv4 is rejected.
	Block4 bool
	// Full is set when the tunnel takes all of a family (platform.Plan's
	// Full4 or Full6: by coverage, the /1 halves or an "exclude private
	// IPs" list as well as a /0).
	Full bool
}

// DNS describes the local resolver the kill switch must let through.
type DNS struct {
	// Manage is false for DNS mode "existing": then no port-53 rules exist.
	Manage    bool
	Resolvers []netip.Addr
	Upstreams []netip.AddrPort
	// Chosen tells that the user typed the upstreams in (DNS mode
	// custom) rather than taking the profile's: only then may a LAN
	// resolver stand where the tunnel also carries its address (LANUpstream).
	Chosen bool
	// Mark is the mark on the resolver's upstream sockets (Linux).
	Mark uint32
}

// Family restricts a rule to one address family.
type Family uint8

// Families. FamilyAny rules carry no addresses.
const (
	FamilyAny Family = iota
	FamilyIPv4
	FamilyIPv6
)

// Proto is the transport protocol a rule matches.
type Proto uint8

// Protocols.
const (
	ProtoAny Proto = iota
	ProtoTCP
	ProtoUDP
	ProtoICMPv6
)

// Action is a rule's verdict.
type Action uint8

// Verdicts. Reject answers with a TCP reset or an ICMP(v6)
// administratively-prohibited error so applications fail over at once.
const (
	Accept Action = iota
	Reject
	Drop
)

// Rule is one match-and-verdict line. Empty fields match anything; all set
// fields must match. Within a chain, the first matching rule decides.
type Rule struct {
	Family Family
	Proto  Proto
	// Loopback matches packets on the loopback interface.
	Loopback bool
	// Iface is the interface the packet arrives on (input chain) or leaves
	// through (output and forward chains); NotIface inverts the match.
	Iface    string
	NotIface bool
	Src      []netip.Prefix
	// Dst matches any of the prefixes, or, with NotDst, none of them.
	Dst      []netip.Prefix
	NotDst   bool
	SrcPort  uint16
	DstPort  uint16
	ICMPType uint8
	// Service restricts the rule to the service's own sockets: by Mark on
	// Linux, by user root on macOS, by application ID on Windows.
	Service bool
	Mark    uint32
	// Set names a mutable address set holding Dst (the rule is rendered
	// even while Dst is empty, and then matches nothing): a backend that can
	// change a set's elements in place (nftables) does only that when
	// nothing but the sets' contents changed since its last Apply.
	Set string
	// Cgroup matches packets of sockets created by processes in this
	// cgroup (a path below the cgroup2 root) or in one below it.
	Cgroup string
	// Marked matches packets carrying this mark (the split tunnel's group,
	// marked before the filter runs); NotMarked inverts the match.
	Marked    uint32
	NotMarked bool
	// CtMark matches packets of connections carrying this conntrack mark.
	CtMark uint32
	// Established matches packets of connections already allowed.
	Established bool
	Action      Action
	Reason      string
}

// Policy is the complete firewall state to install. The zero Policy means
// "nothing to filter": backends remove everything of theirs.
type Policy struct {
	// Engaged reports whether the kill switch blocks; Why says the mode and
	// state that decided it.
	Engaged bool
	Why     string
	// Persistent asks backends that can to keep the block while the
	// service is not running (mode always, or a stop for a restart).
	Persistent bool
	Output     []Rule
	Input      []Rule
	Forward    []Rule
	// Split, when set, asks for the split tunnel's marking, masquerading
	// and DNS redirection (split.go); nil when split tunnelling is off.
	Split *SplitPlan
}

// Empty reports whether the policy has no rules at all.
func (p Policy) Empty() bool {
	return len(p.Output) == 0 && len(p.Input) == 0 && len(p.Forward) == 0 && p.Split == nil
}

// Compute derives the policy from the tunnel manager's state and settings.
func Compute(in Input) Policy {
	engaged, why := engagement(in)
	p := Policy{Engaged: engaged, Why: why, Persistent: engaged && (in.Mode == ModeAlways || in.Restart), Split: splitPlan(in)}
	b := builder{in: in}
	if engaged {
		p.Output = b.engagedOutput()
		p.Input = b.engagedInput()
		p.Forward = b.engagedForward()
		if p.Split != nil && p.Split.Mode == SplitVPNOnly {
			p.Split.Guard = b.splitGuard()
		}
		return p
	}
	p.Output = b.idleOutput()
	p.Input = b.idleInput()
	p.Forward = b.idleForward()
	return p
}

// engagement decides whether the kill switch blocks, and says why.
func engagement(in Input) (bool, string) {
	why := string(in.Mode) + ", " + string(in.State)
	switch in.Mode {
	case ModeAlways:
		return true, why
	case ModeAuto:
		if in.Armed || in.State == StateConnected {
			return true, why
		}
		return false, why + ", not armed"
	default:
		return false, why
	}
}
