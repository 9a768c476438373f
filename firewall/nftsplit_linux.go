package firewall

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/palisadevpn/palisade/platform/cgroup"
	"golang.org/x/sys/unix"
)

// Chains of the split tunnel, beside the filter chains.
const (
	chainSplitMark    = "split_mark"
	chainSplitRestore = "split_restore"
	chainSplitNAT     = "split_nat"
	chainSplitDNS     = "split_dns"
	chainSplitGuard   = "postrouting"
)

// splitChains are the chain names Show lists when present.
var splitChains = []string{chainSplitMark, chainSplitRestore, chainSplitDNS, chainSplitNAT, chainSplitGuard}

// hostCgroup resolves a group on this host's cgroup2 hierarchy. A group
// someone removed (only an empty one can be) is created again, so the
// kill switch never fails to apply for want of it.
func hostCgroup(rel string) (uint32, uint64, error) {
	m, err := cgroup.Find()
	if err != nil {
		return 0, 0, err
	}
	if err := m.Ensure(rel); err != nil {
		return 0, 0, err
	}
	id, err := m.ID(rel)
	return m.Level(rel), id, err
}

// cgroupMatch matches sockets of the group's processes: `socket cgroupv2
// level N` compares the socket's ancestor at the group's depth, so
// sub-groups match too. Packets without a full socket, and sockets of
// groups less deep than N, break the rule either way, so the match is
// never inverted: "outside the group" is told by the mark instead.
func (r *nftRenderer) cgroupMatch(rel string) ([]expr.Any, error) {
	level, id, err := r.cgroup(rel)
	if err != nil {
		return nil, fmt.Errorf("nftables: split tunnel group: %w", err)
	}
	return []expr.Any{
		&expr.Socket{Key: expr.SocketKeyCgroupv2, Level: level, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint64(id)},
	}, nil
}

// split adds the split tunnel's chains: marking the group's packets and
// connections before the routing decision (a route chain, so the kernel
// routes again with the mark), restoring the mark on replies, redirecting
// the group's DNS, and masquerading marked packets, whose source address
// was chosen for the route they had before the mark.
func (r *nftRenderer) split(s *SplitPlan) error {
	match, err := r.cgroupMatch(s.Cgroup)
	if err != nil {
		return err
	}
	if len(s.Guard) > 0 {
		if err := r.chain(chain{name: chainSplitGuard, dir: dirPostrouting, rules: s.Guard}); err != nil {
			return err
		}
	}
	mark := binaryutil.NativeEndian.PutUint32(s.Mark)
	setMark := []expr.Any{
		&expr.Immediate{Register: 1, Data: mark},
		&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
	}
	c := r.baseChain(chainSplitMark, nftables.ChainTypeRoute, nftables.ChainHookOutput, nftables.ChainPriorityMangle)
	r.add(c, fmt.Sprintf("cgroup %s: mark %#x and its connection", s.Cgroup, s.Mark), match,
		append(setMark, &expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1}))

	// Packets the kernel sends for the group's connections without a full
	// socket (a listener's SYN-ACK, a TIME_WAIT socket's ACK, a reset)
	// carry no cgroup: the conntrack mark routes them like the rest of
	// their connection, past the tunnel (bypass) or into it (vpn-only),
	// instead of the unmarked path.
	r.add(c, "the group's connections without a full socket: mark them too",
		[]expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeyMARK}, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: mark}}, setMark)

	c = r.baseChain(chainSplitRestore, nftables.ChainTypeFilter, nftables.ChainHookPrerouting, nftables.ChainPriorityMangle)
	if s.Mode == SplitBypass {
		r.add(c, fmt.Sprintf("new connections to a listening socket of cgroup %s: its connection mark", s.Cgroup),
			r.listenerMatch(s, match), []expr.Any{&expr.Immediate{Register: 1, Data: mark},
				&expr.Ct{Key: expr.CtKeyMARK, SourceRegister: true, Register: 1}})
	}
	r.add(c, "replies to the group's connections get its mark back", []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeyMARK},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: mark},
	}, setMark)

	if len(s.Redirects) > 0 {
		c = r.baseChain(chainSplitDNS, nftables.ChainTypeNAT, nftables.ChainHookOutput, nftables.ChainPriorityNATDest)
		for _, rd := range s.Redirects {
			for _, p := range []Proto{ProtoUDP, ProtoTCP} {
				m, stmts := redirectExprs(match, rd, p)
				r.add(c, fmt.Sprintf("cgroup %s: %s DNS to %s goes to %s", s.Cgroup, p, rd.From, rd.To), m, stmts)
			}
		}
	}

	c = r.baseChain(chainSplitNAT, nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource)
	r.add(c, fmt.Sprintf("masquerade the group's packets (mark %#x) off loopback", s.Mark),
		append(cmpMeta(expr.MetaKeyMARK, expr.CmpOpEq, mark), cmpMeta(expr.MetaKeyOIFNAME, expr.CmpOpNeq, ifname("lo"))...),
		[]expr.Any{&expr.Masq{}})
	return nil
}

// listenerMatch matches the first packet of a connection to an address
// of this host, not from the tunnel, that the kernel's socket lookup
// gives to a socket of the group (a listener, a bound UDP socket). The
// address check keeps forwarded traffic (containers) out: the lookup
// would otherwise find a wildcard listener for a packet passing through.
func (r *nftRenderer) listenerMatch(s *SplitPlan, match []expr.Any) []expr.Any {
	e := []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitNEW), Xor: binaryutil.NativeEndian.PutUint32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)},
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
	}
	if s.Tunnel != "" {
		e = append(e, cmpMeta(expr.MetaKeyIIFNAME, expr.CmpOpNeq, ifname(s.Tunnel))...)
	}
	return append(e, match...)
}

// redirectExprs matches one protocol of the group's DNS for rd.From and
// DNATs it to rd.To.
func redirectExprs(match []expr.Any, rd Redirect, p Proto) (matches, stmts []expr.Any) {
	f, nfproto, family := FamilyIPv4, byte(unix.NFPROTO_IPV4), uint32(unix.NFPROTO_IPV4)
	if familyOf(rd.From.Addr()) == FamilyIPv6 {
		f, nfproto, family = FamilyIPv6, unix.NFPROTO_IPV6, unix.NFPROTO_IPV6
	}
	off, n := uint32(16), uint32(4)
	if f == FamilyIPv6 {
		off, n = 24, 16
	}
	e := cmpMeta(expr.MetaKeyNFPROTO, expr.CmpOpEq, []byte{nfproto})
	e = append(e, match...)
	e = append(e,
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: rd.From.Addr().Unmap().AsSlice()})
	e = append(e, protoMatch(Rule{Proto: p, DstPort: rd.From.Port()})...)
	return e, []expr.Any{
		&expr.Immediate{Register: 1, Data: rd.To.Addr().Unmap().AsSlice()},
		&expr.Immediate{Register: 2, Data: binary.BigEndian.AppendUint16(nil, rd.To.Port())},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: family, RegAddrMin: 1, RegProtoMin: 2, Specified: true}}
}

func (r *nftRenderer) baseChain(name string, typ nftables.ChainType, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
	accept := nftables.ChainPolicyAccept
	return r.conn.AddChain(&nftables.Chain{Name: name, Table: r.table, Type: typ, Hooknum: hook, Priority: prio, Policy: &accept})
}

// add appends one rule with its comment, counting the packets that match.
func (r *nftRenderer) add(c *nftables.Chain, comment string, matches, stmts []expr.Any) {
	exprs := append(slices.Clone(matches), &expr.Counter{})
	exprs = append(exprs, stmts...)
	r.conn.AddRule(&nftables.Rule{Table: r.table, Chain: c, Exprs: exprs,
		UserData: userdata.AppendString(nil, userdata.TypeComment, comment)})
	r.rules++
}
