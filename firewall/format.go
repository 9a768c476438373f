package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// String renders the policy for `palisade firewall show`: a headline such
// as "engaged (auto, reconnecting)", then one line per rule and chain.
func (p Policy) String() string {
	var sb strings.Builder
	state := "not engaged"
	if p.Engaged {
		state = "engaged"
	}
	fmt.Fprintf(&sb, "%s (%s)\n", state, p.Why)
	if p.Empty() {
		sb.WriteString("no rules\n")
		return sb.String()
	}
	for _, c := range p.chains() {
		if len(c.rules) == 0 {
			continue
		}
		fmt.Fprintf(&sb, "%s:\n", c.name)
		for _, r := range c.rules {
			fmt.Fprintf(&sb, "  %-60s # %s\n", r.Match(c.dir), r.Reason)
		}
	}
	for _, s := range p.sets() {
		fmt.Fprintf(&sb, "set %s: %s\n", s.name, setContents(s.elems))
	}
	if s := p.Split; s != nil {
		fmt.Fprintf(&sb, "split tunnel (%s):\n  cgroup %s: mark %#x, conntrack mark, masquerade when not on loopback\n", s.Mode, s.Cgroup, s.Mark)
		for _, r := range s.Guard {
			fmt.Fprintf(&sb, "  postrouting: %-47s # %s\n", r.Match(dirPostrouting), r.Reason)
		}
		for _, r := range s.Redirects {
			fmt.Fprintf(&sb, "  cgroup %s: DNS to %s redirected to %s\n", s.Cgroup, r.From, r.To)
		}
	}
	return sb.String()
}

// Direction names the chain a rule sits in.
type Direction uint8

// Chains.
const (
	DirOutput Direction = iota
	DirInput
	DirForward
)

func (d Direction) String() string {
	return [...]string{"output", "input", "forward", "postrouting"}[d]
}

type chain struct {
	name  string
	dir   Direction
	rules []Rule
}

func (p Policy) chains() []chain {
	return []chain{
		{DirOutput.String(), DirOutput, p.Output},
		{DirInput.String(), DirInput, p.Input},
		{DirForward.String(), DirForward, p.Forward},
	}
}

func (a Action) String() string {
	return [...]string{"accept", "reject", "drop"}[a]
}

func (f Family) String() string {
	return [...]string{"", "ip", "ip6"}[f]
}

func (p Proto) String() string {
	return [...]string{"", "tcp", "udp", "icmpv6"}[p]
}

// Match renders the rule's verdict and matches in an nft-like syntax.
func (r Rule) Match(d Direction) string {
	var w []string
	add := func(s ...string) { w = append(w, s...) }
	add(r.Action.String())
	if r.Family != FamilyAny {
		add(r.Family.String())
	}
	if r.Loopback {
		add("loopback")
	}
	if r.Iface != "" {
		dir := "oif"
		if d == DirInput {
			dir = "iif"
		}
		if r.NotIface {
			dir += " !="
		}
		add(dir, r.Iface)
	}
	if r.Cgroup != "" {
		add("cgroup", r.Cgroup)
	}
	if r.Marked != 0 {
		if r.NotMarked {
			add(fmt.Sprintf("mark != %#x", r.Marked))
		} else {
			add(fmt.Sprintf("mark %#x", r.Marked))
		}
	}
	if r.CtMark != 0 {
		add(fmt.Sprintf("ct mark %#x", r.CtMark))
	}
	if r.Established {
		add("established,related")
	}
	if r.Proto != ProtoAny {
		add(r.Proto.String())
	}
	if r.ICMPType != 0 {
		add("type", fmt.Sprint(r.ICMPType))
	}
	if len(r.Src) > 0 {
		add("from", prefixList(r.Src))
	}
	if r.SrcPort != 0 {
		add("sport", fmt.Sprint(r.SrcPort))
	}
	switch {
	case r.Set != "":
		// By name only: the rule's text stays the same while the set's
		// contents change (String lists them).
		add("to", "@"+r.Set)
	case len(r.Dst) > 0:
		to := "to"
		if r.NotDst {
			to = "to !="
		}
		add(to, prefixList(r.Dst))
	}
	if r.DstPort != 0 {
		add("dport", fmt.Sprint(r.DstPort))
	}
	if r.Service {
		add(fmt.Sprintf("service(mark %#x)", r.Mark))
	}
	return strings.Join(w, " ")
}

func prefixList(ps []netip.Prefix) string {
	if len(ps) == 1 {
		return prefixString(ps[0])
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = prefixString(p)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// prefixString omits the length of single-address prefixes.
func prefixString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// addrSet is a named mutable address set of a policy (Rule.Set).
type addrSet struct {
	name   string
	family Family
	elems  []netip.Prefix
}

// sets lists the policy's named sets in the order their rules appear.
func (p Policy) sets() []addrSet {
	var out []addrSet
	for _, c := range p.chains() {
		for _, r := range c.rules {
			if r.Set != "" && !slices.ContainsFunc(out, func(s addrSet) bool { return s.name == r.Set }) {
				out = append(out, addrSet{name: r.Set, family: r.Family, elems: r.Dst})
			}
		}
	}
	return out
}

// setsText lists sets and their contents for a log line.
func setsText(sets []addrSet) string {
	var parts []string
	for _, s := range sets {
		parts = append(parts, s.name+" "+setContents(s.elems))
	}
	return strings.Join(parts, ", ")
}

func setContents(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "empty"
	}
	return prefixList(ps)
}

// matchesNothing reports a rule on an empty named set, which backends
// without mutable sets leave out.
func (r Rule) matchesNothing() bool {
	return r.Set != "" && len(r.Dst) == 0
}

// setShape is p with every named set emptied: two policies of the same
// shape differ at most in their sets' contents.
func setShape(p Policy) Policy {
	for _, rs := range []*[]Rule{&p.Output, &p.Input, &p.Forward} {
		*rs = slices.Clone(*rs)
		for i := range *rs {
			if (*rs)[i].Set != "" {
				(*rs)[i].Dst = nil
			}
		}
	}
	return p
}
