package firewall

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"go4.org/netipx"
	"golang.org/x/sys/unix"
)

// nftRenderer adds one policy's chains, sets and rules to a batch.
type nftRenderer struct {
	conn  *nftables.Conn
	table *nftables.Table
	// sets holds the sets added so far by content, so rules matching the
	// same list share one set.
	sets  map[string]*nftables.Set
	rules int
	// cgroup resolves a group path to its nftables level and cgroup id
	// (the kernel matches ids, so the group must exist when rules are added).
	cgroup func(rel string) (level uint32, id uint64, err error)
}

var nftHooks = map[Direction]*nftables.ChainHook{
	DirOutput:  nftables.ChainHookOutput,
	DirInput:   nftables.ChainHookInput,
	DirForward: nftables.ChainHookForward,
	// The split tunnel's guard, where a rerouted packet's interface is known.
	dirPostrouting: nftables.ChainHookPostrouting,
}

func (r *nftRenderer) chain(ch chain) error {
	accept := nftables.ChainPolicyAccept
	c := r.conn.AddChain(&nftables.Chain{
		Name: ch.name, Table: r.table, Type: nftables.ChainTypeFilter,
		Hooknum: nftHooks[ch.dir], Priority: chainPriority, Policy: &accept,
	})
	for _, rule := range ch.rules {
		if rule.Service && rule.Mark == 0 {
			// meta mark 0 would match every unmarked packet.
			return fmt.Errorf("nftables: rule %q needs a socket mark", rule.Reason)
		}
		matches, err := r.matches(ch.dir, rule)
		if err != nil {
			return err
		}
		for _, v := range r.verdicts(rule) {
			exprs := append(slices.Clone(matches), v.match...)
			exprs = append(exprs, &expr.Counter{}, v.verdict)
			r.conn.AddRule(&nftables.Rule{
				Table: r.table, Chain: c, Exprs: exprs,
				UserData: userdata.AppendString(nil, userdata.TypeComment, rule.Match(ch.dir)+v.note+" # "+rule.Reason),
			})
			r.rules++
		}
	}
	return nil
}

type nftVerdict struct {
	match   []expr.Any
	verdict expr.Any
	note    string // tells the two halves of a split reject apart in Show
}

// verdicts maps a rule's action to nftables statements. A protocol-less
// reject becomes two rules: TCP reset for TCP, ICMP(v6) admin-prohibited
// for the rest.
func (r *nftRenderer) verdicts(rule Rule) []nftVerdict {
	switch rule.Action {
	case Accept:
		return []nftVerdict{{verdict: &expr.Verdict{Kind: expr.VerdictAccept}}}
	case Drop:
		return []nftVerdict{{verdict: &expr.Verdict{Kind: expr.VerdictDrop}}}
	}
	rst := &expr.Reject{Type: unix.NFT_REJECT_TCP_RST}
	icmp := &expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED}
	switch rule.Proto {
	case ProtoTCP:
		return []nftVerdict{{verdict: rst}}
	case ProtoAny:
		return []nftVerdict{{match: l4proto(unix.IPPROTO_TCP), verdict: rst, note: " (tcp: reset)"}, {verdict: icmp, note: " (other: icmp admin-prohibited)"}}
	}
	return []nftVerdict{{verdict: icmp}}
}

func (r *nftRenderer) matches(dir Direction, rule Rule) ([]expr.Any, error) {
	var e []expr.Any
	switch rule.Family {
	case FamilyIPv4:
		e = append(e, cmpMeta(expr.MetaKeyNFPROTO, expr.CmpOpEq, []byte{unix.NFPROTO_IPV4})...)
	case FamilyIPv6:
		e = append(e, cmpMeta(expr.MetaKeyNFPROTO, expr.CmpOpEq, []byte{unix.NFPROTO_IPV6})...)
	}
	ifKey := expr.MetaKeyOIFNAME
	if dir == DirInput {
		ifKey = expr.MetaKeyIIFNAME
	}
	if rule.Loopback {
		e = append(e, cmpMeta(ifKey, expr.CmpOpEq, ifname("lo"))...)
	}
	if rule.Iface != "" {
		op := expr.CmpOpEq
		if rule.NotIface {
			op = expr.CmpOpNeq
		}
		e = append(e, cmpMeta(ifKey, op, ifname(interfaceName(rule.Iface, nameOfIndex)))...)
	}
	if rule.Established {
		e = append(e,
			&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED),
				Xor:  binaryutil.NativeEndian.PutUint32(0)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)})
	}
	if rule.Cgroup != "" {
		m, err := r.cgroupMatch(rule.Cgroup)
		if err != nil {
			return nil, err
		}
		e = append(e, m...)
	}
	if rule.Marked != 0 {
		op := expr.CmpOpEq
		if rule.NotMarked {
			op = expr.CmpOpNeq
		}
		e = append(e, cmpMeta(expr.MetaKeyMARK, op, binaryutil.NativeEndian.PutUint32(rule.Marked))...)
	}
	if rule.CtMark != 0 {
		e = append(e, &expr.Ct{Register: 1, Key: expr.CtKeyMARK},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(rule.CtMark)})
	}
	e = append(e, protoMatch(rule)...)
	if rule.Service {
		e = append(e, cmpMeta(expr.MetaKeyMARK, expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(rule.Mark))...)
	}
	if rule.Set != "" {
		set, err := r.namedSet(addrSet{name: rule.Set, family: rule.Family, elems: rule.Dst})
		if err != nil {
			return nil, err
		}
		e = append(e, addrLoad(rule.Family, false), &expr.Lookup{SourceRegister: 1, SetName: set.Name, SetID: set.ID})
	}
	for _, a := range []struct {
		ps  []netip.Prefix
		not bool
		src bool
	}{{rule.Src, false, true}, {rule.Dst, rule.NotDst, false}} {
		if len(a.ps) == 0 || (!a.src && rule.Set != "") {
			continue
		}
		m, err := r.addrMatch(rule.Family, a.src, a.ps, a.not)
		if err != nil {
			return nil, err
		}
		e = append(e, m...)
	}
	return e, nil
}

func protoMatch(rule Rule) []expr.Any {
	var e []expr.Any
	switch rule.Proto {
	case ProtoTCP:
		e = l4proto(unix.IPPROTO_TCP)
	case ProtoUDP:
		e = l4proto(unix.IPPROTO_UDP)
	case ProtoICMPv6:
		e = l4proto(unix.IPPROTO_ICMPV6)
		if rule.ICMPType != 0 {
			e = append(e, transport(0, []byte{rule.ICMPType}, 1)...)
		}
	}
	if rule.SrcPort != 0 {
		e = append(e, transport(0, binary.BigEndian.AppendUint16(nil, rule.SrcPort), 2)...)
	}
	if rule.DstPort != 0 {
		e = append(e, transport(2, binary.BigEndian.AppendUint16(nil, rule.DstPort), 2)...)
	}
	return e
}

func l4proto(p byte) []expr.Any {
	return cmpMeta(expr.MetaKeyL4PROTO, expr.CmpOpEq, []byte{p})
}

func cmpMeta(key expr.MetaKey, op expr.CmpOp, data []byte) []expr.Any {
	return []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: data}}
}

func transport(off uint32, data []byte, n uint32) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: n},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data},
	}
}

// ifname pads an interface name the way the kernel stores it.
// nameOfIndex is the name of the interface with index i.
func nameOfIndex(i int) (string, error) {
	ifc, err := net.InterfaceByIndex(i)
	if err != nil {
		return "", err
	}
	return ifc.Name, nil
}

func ifname(s string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, s)
	return b
}

// addrMatch matches a source or destination against prefixes: a masked
// compare for one prefix, a set lookup for several or for a negation.
func (r *nftRenderer) addrMatch(f Family, src bool, ps []netip.Prefix, not bool) ([]expr.Any, error) {
	load := addrLoad(f, src)
	n := load.Len
	if len(ps) == 1 && !not {
		p := ps[0].Masked()
		e := []expr.Any{load}
		if !p.IsSingleIP() {
			e = append(e, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: n,
				Mask: maskBytes(p.Bits(), int(n)), Xor: make([]byte, n)})
		}
		return append(e, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Addr().AsSlice()}), nil
	}
	set, err := r.addrSet(f, ps)
	if err != nil {
		return nil, err
	}
	return []expr.Any{load, &expr.Lookup{SourceRegister: 1, SetName: set.Name, SetID: set.ID, Invert: not}}, nil
}

// addrLoad loads a packet's source or destination address into register 1.
func addrLoad(f Family, src bool) *expr.Payload {
	off, n := uint32(16), uint32(4)
	if f == FamilyIPv6 {
		off, n = 24, 16
	}
	if src {
		off -= n
	}
	return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n}
}

func maskBytes(bits, n int) []byte {
	m := make([]byte, n)
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// addrSet adds a named interval set holding the merged prefixes.
func (r *nftRenderer) addrSet(f Family, ps []netip.Prefix) (*nftables.Set, error) {
	key := fmt.Sprint(ps)
	if set, ok := r.sets[key]; ok {
		return set, nil
	}
	set := ipSet(r.table, f, fmt.Sprintf("addrs%d", len(r.sets)+1))
	set.ID, set.Constant = uint32(len(r.sets)+1), true
	return set, r.addSet(key, set, ps)
}

// namedSet adds a policy's mutable set (Rule.Set) under its own name, so
// Apply can later change its elements alone.
func (r *nftRenderer) namedSet(s addrSet) (*nftables.Set, error) {
	key := "@" + s.name
	if set, ok := r.sets[key]; ok {
		return set, nil
	}
	set := ipSet(r.table, s.family, s.name)
	set.ID = uint32(len(r.sets) + 1)
	return set, r.addSet(key, set, s.elems)
}

func (r *nftRenderer) addSet(key string, set *nftables.Set, ps []netip.Prefix) error {
	els, err := setElements(ps)
	if err == nil {
		err = r.conn.AddSet(set, els)
	}
	if err != nil {
		return fmt.Errorf("nftables: address set %s: %w", set.Name, err)
	}
	r.sets[key] = set
	return nil
}

// ipSet describes an interval set of one family's addresses.
func ipSet(t *nftables.Table, f Family, name string) *nftables.Set {
	set := &nftables.Set{Table: t, Name: name, Interval: true, KeyType: nftables.TypeIPAddr}
	if f == FamilyIPv6 {
		set.KeyType = nftables.TypeIP6Addr
	}
	return set
}

// setElements merges prefixes into interval elements.
func setElements(ps []netip.Prefix) ([]nftables.SetElement, error) {
	var sb netipx.IPSetBuilder
	for _, p := range ps {
		sb.AddPrefix(p.Masked())
	}
	ips, err := sb.IPSet()
	if err != nil {
		return nil, err
	}
	return intervalElements(ips.Ranges()), nil
}

// intervalElements encodes ranges as nftables interval elements: a start
// key and an end key one past the range (omitted at the top of the
// address space), with a leading end marker at zero as nft itself writes.
func intervalElements(ranges []netipx.IPRange) []nftables.SetElement {
	var els []nftables.SetElement
	if len(ranges) > 0 && !ranges[0].From().IsUnspecified() {
		els = append(els, nftables.SetElement{Key: make([]byte, ranges[0].From().BitLen()/8), IntervalEnd: true})
	}
	for _, rg := range ranges {
		els = append(els, nftables.SetElement{Key: rg.From().AsSlice()})
		if next := rg.To().Next(); next.IsValid() {
			els = append(els, nftables.SetElement{Key: next.AsSlice(), IntervalEnd: true})
		}
	}
	return els
}
