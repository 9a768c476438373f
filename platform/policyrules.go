package platform

import "net/netip"

// SplitMark marks the packets of the split tunnel's group (nftables sets it
// from the socket's cgroup); the policy rules route it per mode.
const SplitMark = 0xca6e

// SplitMode is how routing treats the split tunnel's marked packets.
type SplitMode uint8

// Split tunnel modes, as routing sees them.
const (
	SplitOff SplitMode = iota
	// SplitBypass sends marked packets to the main table, past the tunnel.
	SplitBypass
	// SplitVPNOnly sends only marked packets (and the local resolver's) to
	// the tunnel's table; everything else stays on main.
	SplitVPNOnly
)

// Priorities of Palisade's policy rules, lowest first. wg-quick's pair is
// suppress (5208) then tunnel (5209); bypass goes before both.
const (
	prioPinned   = 5206
	prioBypass   = 5207
	prioSuppress = 5208
	prioTunnel   = 5209
	prioDNS      = 5210
)

// ourPriorities are every priority Palisade's rules may have, for Down.
var ourPriorities = []int{prioPinned, prioBypass, prioSuppress, prioTunnel, prioDNS}

// PolicyRule is one routing policy rule, the same for IPv4 and IPv6.
type PolicyRule struct {
	Priority int
	// Dst restricts the rule to one destination (zero: any); its family
	// decides the rule's.
	Dst netip.Prefix
	// Mark, with Invert, matches packets without it; 0 matches all.
	Mark   uint32
	Invert bool
	Table  int
	// SuppressPrefixlen 0 ignores default routes of Table (-1: not set).
	SuppressPrefixlen int
}

// MainTable is the kernel's main routing table.
const MainTable = 254

// PolicyRules decides a family's policy rules for the tunnel's Table:
// wg-quick's pair (main's specific routes first, then everything without
// FwMark into the tunnel), with the bypass group sent to main ahead of
// them; or, for vpn-only, only the group and the local resolver's
// upstream queries (DNSMark) into the tunnel, main's specific routes
// still first.
func PolicyRules(mode SplitMode) []PolicyRule {
	suppress := PolicyRule{Priority: prioSuppress, Table: MainTable, SuppressPrefixlen: 0}
	switch mode {
	case SplitVPNOnly:
		return []PolicyRule{
			suppress,
			{Priority: prioTunnel, Mark: SplitMark, Table: Table, SuppressPrefixlen: -1},
			{Priority: prioDNS, Mark: DNSMark, Table: Table, SuppressPrefixlen: -1},
		}
	case SplitBypass:
		return []PolicyRule{
			{Priority: prioBypass, Mark: SplitMark, Table: MainTable, SuppressPrefixlen: -1},
			suppress,
			{Priority: prioTunnel, Mark: FwMark, Invert: true, Table: Table, SuppressPrefixlen: -1},
		}
	}
	return []PolicyRule{suppress, {Priority: prioTunnel, Mark: FwMark, Invert: true, Table: Table, SuppressPrefixlen: -1}}
}

// PinnedRules sends the local resolver's queries (DNSMark) to each pinned
// upstream (Plan.Pinned) to the tunnel's table ahead of every other rule, so
// a more specific LAN route in main (which suppress_prefixlength 0 lets win)
// cannot take a tunnel upstream out of the physical interface. Only the
// resolver's packets: the WireGuard socket never matches, whatever the
// address.
func PinnedRules(pinned []netip.Prefix) []PolicyRule {
	var out []PolicyRule
	for _, p := range pinned {
		out = append(out, PolicyRule{Priority: prioPinned, Dst: p, Mark: DNSMark, Table: Table, SuppressPrefixlen: -1})
	}
	return out
}
