package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// pfLoopback is macOS's loopback interface.
const pfLoopback = "lo0"

// RenderPF renders the policy as pf rules for one anchor. All rules are
// "quick" so the first match decides, as in the policy. Forward rules are
// not rendered: pf runs "out" rules on forwarded packets too. Established
// traffic needs no rule since pf keeps state for every pass. Passes that can
// match TCP say "flags any": pf's default "flags S/SA" would create state
// only from a SYN, so connections opened before the anchor was loaded (a
// localhost dev server, LAN SSH, in-tunnel TCP when the kill switch is
// switched on while connected) would be cut off; Mullvad and PIA do the same.
// A rule on a named set (Rule.Set) matches a table of that name, rendered
// even while empty, so that the set's contents can change without reloading
// the rules (pfTableCommands).
func RenderPF(p Policy, anchor string) string {
	r := pfRenderer{names: map[string]string{}}
	fmt.Fprintf(&r.tables, "# palisade kill switch, anchor %q: %s\n", anchor, headline(p))
	for _, ch := range p.chains() {
		if ch.dir == DirForward {
			continue
		}
		for _, rule := range ch.rules {
			if rule.Established {
				continue
			}
			r.rule(ch.dir, rule)
		}
	}
	return r.tables.String() + pfScrub + r.rules.String()
}

// pfScrub makes pf reassemble fragments arriving on any interface before
// the rules see them (xnu runs pf before its own reassembly; forwarded
// fragments come in first too). Without it pf matches a fragment against
// the rules only (pf_test_fragment): no state lookup, and every rule with
// a port, ICMP type or TCP flags is skipped. Fragmented replies of the
// WireGuard server or a name server would meet the kill switch's final
// block, and a forwarded fragment of DNS to a LAN address would pass the
// allow-LAN rule around the DNS reject. Outgoing local packets need no
// scrub: pf sees them before ip_output fragments them. The stock main
// ruleset reaches it through scrub-anchor "com.apple/*" (pfHealth).
const pfScrub = "# reassemble fragments before the rules: pf matches ports and states on whole packets only\nscrub in all fragment reassemble\n"

func headline(p Policy) string {
	if p.Engaged {
		return "engaged (" + p.Why + ")"
	}
	return "not engaged (" + p.Why + ")"
}

type pfRenderer struct {
	tables strings.Builder
	rules  strings.Builder
	// names maps an address list to the table already holding it.
	names map[string]string
	// sets are the named sets' tables already declared.
	sets []string
}

func (r *pfRenderer) rule(dir Direction, rule Rule) {
	way := "out"
	if dir == DirInput {
		way = "in"
	}
	match := r.match(rule)
	fmt.Fprintf(&r.rules, "# %s\n", rule.Reason)
	switch rule.Action {
	case Accept:
		flags := ""
		if rule.Proto == ProtoAny || rule.Proto == ProtoTCP {
			flags = " flags any"
		}
		fmt.Fprintf(&r.rules, "pass %s quick%s%s\n", way, match, flags)
	case Drop:
		fmt.Fprintf(&r.rules, "block drop %s quick%s\n", way, match)
	case Reject:
		if rule.Proto == ProtoAny || rule.Proto == ProtoTCP {
			tcp := rule
			tcp.Proto = ProtoTCP
			fmt.Fprintf(&r.rules, "block return-rst %s quick%s\n", way, r.match(tcp))
		}
		if rule.Proto != ProtoTCP {
			fmt.Fprintf(&r.rules, "block %s %s quick%s\n", pfReturnICMP(rule.Family), way, match)
		}
	}
}

// pfReturnICMP answers with administratively-prohibited errors.
func pfReturnICMP(f Family) string {
	switch f {
	case FamilyIPv4:
		return "return-icmp(filter-prohib)"
	case FamilyIPv6:
		return "return-icmp6(admin-unreach)"
	}
	return "return-icmp(filter-prohib, admin-unreach)"
}

func (r *pfRenderer) match(rule Rule) string {
	var w []string
	switch {
	case rule.Loopback:
		w = append(w, "on", pfLoopback)
	case rule.Iface != "" && rule.NotIface:
		w = append(w, "on", "!", rule.Iface)
	case rule.Iface != "":
		w = append(w, "on", rule.Iface)
	}
	switch rule.Family {
	case FamilyIPv4:
		w = append(w, "inet")
	case FamilyIPv6:
		w = append(w, "inet6")
	}
	switch rule.Proto {
	case ProtoTCP:
		w = append(w, "proto", "tcp")
	case ProtoUDP:
		w = append(w, "proto", "udp")
	case ProtoICMPv6:
		w = append(w, "proto", "icmp6")
	}
	w = append(w, "from", r.hosts(rule.Src, false))
	if rule.SrcPort != 0 {
		w = append(w, "port", fmt.Sprint(rule.SrcPort))
	}
	if rule.Set != "" {
		w = append(w, "to", r.table(rule.Set, rule.Dst))
	} else {
		w = append(w, "to", r.hosts(rule.Dst, rule.NotDst))
	}
	if rule.DstPort != 0 {
		w = append(w, "port", fmt.Sprint(rule.DstPort))
	}
	if rule.ICMPType != 0 {
		w = append(w, "icmp6-type", fmt.Sprint(rule.ICMPType))
	}
	if rule.Service {
		// The service runs as root; pf matches the socket owner.
		w = append(w, "user", "root")
	}
	return " " + strings.Join(w, " ")
}

// hosts renders an address match; lists become anchor-local tables,
// since negated brace lists would expand into an OR of negations.
func (r *pfRenderer) hosts(ps []netip.Prefix, not bool) string {
	neg := ""
	if not {
		neg = "! "
	}
	switch len(ps) {
	case 0:
		return "any"
	case 1:
		return neg + prefixString(ps[0])
	}
	list := strings.Join(pfAddrs(ps), ", ")
	name, ok := r.names[list]
	if !ok {
		name = fmt.Sprintf("<palisade_%d>", len(r.names)+1)
		r.names[list] = name
		fmt.Fprintf(&r.tables, "table %s const { %s }\n", name, list)
	}
	return neg + name
}

// table renders a named set's match: a table pfctl can refill in place,
// declared once ("persist" keeps it while empty).
func (r *pfRenderer) table(name string, ps []netip.Prefix) string {
	if !slices.Contains(r.sets, name) {
		r.sets = append(r.sets, name)
		fmt.Fprintf(&r.tables, "table <%s> persist", name)
		if len(ps) > 0 {
			fmt.Fprintf(&r.tables, " { %s }", strings.Join(pfAddrs(ps), ", "))
		}
		r.tables.WriteString("\n")
	}
	return "<" + name + ">"
}

func pfAddrs(ps []netip.Prefix) []string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = prefixString(p)
	}
	return s
}

// pfTableCommands plans the pfctl calls that give the anchor's tables the
// sets' new contents, replacing each table's addresses at once (an empty
// set flushes its table).
func pfTableCommands(anchor string, sets []addrSet) [][]string {
	var cmds [][]string
	for _, s := range sets {
		cmd := []string{"-a", anchor, "-t", s.name, "-T"}
		if len(s.elems) == 0 {
			cmds = append(cmds, append(cmd, "flush"))
			continue
		}
		cmds = append(cmds, append(append(cmd, "replace"), pfAddrs(s.elems)...))
	}
	return cmds
}
