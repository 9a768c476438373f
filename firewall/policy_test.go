package firewall

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var (
	allStates = []TunnelState{StateDisconnected, StateConnecting, StateConnected, StateReconnecting, StateDisconnecting, StateError}
	allModes  = []Mode{ModeOff, ModeAuto, ModeAlways}
	onLink6   = netip.MustParsePrefix("2001:db8:5:6::/64")
	onLink4   = netip.MustParsePrefix("198.51.100.0/24")
	ep4       = netip.MustParseAddrPort("203.0.113.7:51820")
	ep6       = netip.MustParseAddrPort("[2001:db8:ff::7]:51820")
	upTunnel4 = netip.MustParseAddrPort("10.64.0.1:53")
	upTunnel6 = netip.MustParseAddrPort("[fd00:64::1]:53")
	upPublic4 = netip.MustParseAddrPort("9.9.9.9:53")
	upPublic6 = netip.MustParseAddrPort("[2620:fe::fe]:853")
	// LAN resolvers (a Pi-hole) inside on-link prefixes of the physical
	// interface, beside a full tunnel.
	lanNet4 = netip.MustParsePrefix("192.168.77.0/24")
	lanNet6 = netip.MustParsePrefix("fd00:77::/64")
	upLAN4  = netip.MustParseAddrPort("192.168.77.53:53")
	upLAN6  = netip.MustParseAddrPort("[fd00:77::53]:53")
	// The system's own name servers: on the LAN, off-link IPv6 (an ISP's)
	// and link-local with a zone (an IPv6 router).
	bootstrap = []netip.Addr{netip.MustParseAddr("192.168.50.1"), netip.MustParseAddr("2001:db8:53::53"), netip.MustParseAddr("fe80::1%eth0")}
	// globalBootstrap are bootstrap's servers that a named set can hold
	// (a link-local one needs its own rule on its link).
	globalBootstrap = bootstrap[:2]
)

// testInput builds an input with every feature present, so each test can
// check that the right parts of it are rendered.
func testInput(state TunnelState, mode Mode, armed, lan, tunnel6, host6 bool) Input {
	in := Input{
		State: state, Mode: mode, Armed: armed, AllowLAN: lan, HostIPv6: host6,
		Endpoints: []netip.AddrPort{ep4, ep6},
		FwMark:    0xca6c,
		DNS: DNS{
			Manage:    true,
			Resolvers: []netip.Addr{netip.MustParseAddr("127.80.73.65"), netip.MustParseAddr("fe80::80:73:65")},
			Upstreams: []netip.AddrPort{upTunnel4, upTunnel6, upPublic4, upPublic6, upLAN4, upLAN6},
			// The user typed them in: the LAN ones are a Pi-hole beside the
			// full tunnel (the profile's servers get no LAN exception).
			Chosen: true,
			Mark:   0xca6d,
		},
		OnLink:    []netip.Prefix{onLink4, onLink6, lanNet4, lanNet6},
		Bootstrap: bootstrap,
	}
	if state != StateDisconnected {
		in.Tunnel = &Tunnel{Interface: "palisade0", Addresses: []netip.Prefix{netip.MustParsePrefix("10.64.1.2/32")},
			Routes: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}
		if tunnel6 {
			in.Tunnel.Addresses = append(in.Tunnel.Addresses, netip.MustParsePrefix("fd00:64::2/128"))
			in.Tunnel.Routes = append(in.Tunnel.Routes, netip.MustParsePrefix("::/0"))
		}
		// A full tunnel, as platform.MakePlan decides it.
		in.Tunnel.Block6 = host6 && !tunnel6
	}
	return in
}

func wantEngaged(in Input) bool {
	switch in.Mode {
	case ModeAlways:
		return true
	case ModeAuto:
		return in.Armed || in.State == StateConnected
	}
	return false
}

func index(rs []Rule, pred func(Rule) bool) int {
	return slices.IndexFunc(rs, pred)
}

func isLoopback(r Rule) bool { return r.Loopback && r.Action == Accept }
func isEndpoint(r Rule) bool { return r.Service && r.Mark == 0xca6c && r.DstPort == 51820 }
func isDNSReject(r Rule) bool {
	return r.DstPort == 53 && r.Action == Reject && r.Iface == "" && len(r.Dst) == 0
}
func isTunnel(r Rule) bool {
	return r.Iface == "palisade0" && !r.NotIface && r.Action == Accept && r.Proto == ProtoAny
}
func isLAN(f Family) func(Rule) bool {
	return func(r Rule) bool {
		return r.Family == f && r.Action == Accept && (slices.Contains(r.Dst, lan4[0]) || slices.Contains(r.Dst, ula6[0]) || slices.Contains(r.Src, lan4[0]) || slices.Contains(r.Src, ula6[0]))
	}
}
func isFinal(a Action) func(Rule) bool {
	return func(r Rule) bool {
		return r.Action == a && r.Family == FamilyAny && r.Proto == ProtoAny && !r.Loopback &&
			r.Iface == "" && len(r.Src)+len(r.Dst) == 0 && r.SrcPort+r.DstPort == 0 && !r.Established
	}
}
func isV6Block(r Rule) bool { return r.Family == FamilyIPv6 && r.NotDst && r.Action == Reject }
func isCVE(r Rule) bool     { return r.NotIface && r.Action == Drop }
func isCVEFor(f Family) func(Rule) bool {
	return func(r Rule) bool { return isCVE(r) && r.Family == f }
}
func isEndpointTo(ep netip.AddrPort) func(Rule) bool {
	return func(r Rule) bool {
		return isEndpoint(r) && r.DstPort == ep.Port() && slices.Contains(r.Dst, hostPrefix(ep.Addr()))
	}
}
func isNDP(r Rule) bool   { return r.Proto == ProtoICMPv6 && r.ICMPType == icmp6NeighborSolicit }
func isDHCP6(r Rule) bool { return r.DstPort == dhcp6ServerPort || r.DstPort == dhcp6ClientPort }

// TestComputeMatrix covers every state × mode × armed × allow_lan ×
// tunnel IPv6 × host IPv6 combination.
func TestComputeMatrix(t *testing.T) {
	for _, state := range allStates {
		for _, mode := range allModes {
			for _, armed := range []bool{false, true} {
				for _, lan := range []bool{false, true} {
					for _, tun6 := range []bool{false, true} {
						for _, host6 := range []bool{false, true} {
							in := testInput(state, mode, armed, lan, tun6, host6)
							name := fmt.Sprintf("%s/%s/armed=%v/lan=%v/tun6=%v/host6=%v", state, mode, armed, lan, tun6, host6)
							t.Run(name, func(t *testing.T) { checkPolicy(t, in, Compute(in)) })
						}
					}
				}
			}
		}
	}
}

func checkPolicy(t *testing.T, in Input, p Policy) {
	t.Helper()
	if p.Engaged != wantEngaged(in) {
		t.Fatalf("engaged = %v, want %v", p.Engaged, wantEngaged(in))
	}
	if p.Persistent != (p.Engaged && in.Mode == ModeAlways) {
		t.Errorf("persistent = %v", p.Persistent)
	}
	tunnelUp := in.Tunnel != nil
	leaky6 := tunnelUp && in.Tunnel.Block6
	if got := index(p.Output, isV6Block) >= 0; got != leaky6 {
		t.Errorf("output v6 block present = %v, want %v", got, leaky6)
	}
	if got := index(p.Forward, isV6Block) >= 0; got != leaky6 {
		t.Errorf("forward v6 block present = %v, want %v", got, leaky6)
	}
	for _, f := range bothFamilies {
		want := tunnelUp && slices.ContainsFunc(in.Tunnel.Addresses, func(a netip.Prefix) bool { return familyOf(a.Addr()) == f })
		if got := index(p.Input, isCVEFor(f)) >= 0; got != want {
			t.Errorf("CVE-2019-14899 drop for %v present = %v, want %v", f, got, want)
		}
	}
	checkBootstrap(t, in, p, p.Engaged || leaky6)
	if !p.Engaged {
		checkIdle(t, p, tunnelUp, leaky6)
		return
	}
	checkEngagedOutput(t, in, p.Output)
	checkEngagedInput(t, in, p.Input)
	checkEngagedForward(t, in, p.Forward)
}

func isBootstrap(r Rule) bool {
	return r.DstPort == 53 && r.Action == Accept && r.Mark == 0xca6c
}

// checkBootstrap: wherever port 53 or off-link IPv6 is blocked, the
// service's own sockets may ask the system's name servers, on port 53
// only, outside the tunnel, before any reject; nothing else gets that.
func checkBootstrap(t *testing.T, in Input, p Policy, want bool) {
	t.Helper()
	for _, rs := range [][]Rule{p.Input, p.Forward} {
		if i := index(rs, isBootstrap); i >= 0 {
			t.Errorf("bootstrap accept outside the output chain: %+v", rs[i])
		}
	}
	firstReject := index(p.Output, func(r Rule) bool { return r.Action == Reject })
	for _, a := range in.Bootstrap {
		for _, proto := range tcpAndUDP {
			i := index(p.Output, func(r Rule) bool {
				return isBootstrap(r) && r.Proto == proto && slices.Contains(r.Dst, hostPrefix(a))
			})
			wantThis := want && (a.Is4() || in.HostIPv6)
			if (i >= 0) != wantThis {
				t.Errorf("bootstrap accept to %v/%v present = %v, want %v", a, proto, i >= 0, wantThis)
				continue
			}
			if i < 0 {
				continue
			}
			r := p.Output[i]
			if !r.Service || r.Family != familyOf(a) || len(r.Src) > 0 || i > firstReject {
				t.Errorf("bootstrap rule %+v at %d: not the service's own, or after the first reject at %d", r, i, firstReject)
			}
			switch {
			case a.IsLinkLocalUnicast() && (r.Iface != a.Zone() || r.NotIface):
				t.Errorf("link-local bootstrap rule not on the server's link %s: %+v", a.Zone(), r)
			case !a.IsLinkLocalUnicast() && in.Tunnel != nil && (r.Iface != in.Tunnel.Interface || !r.NotIface):
				t.Errorf("bootstrap rule may use the tunnel: %+v", r)
			}
		}
	}
}

func checkIdle(t *testing.T, p Policy, tunnelUp, leaky6 bool) {
	t.Helper()
	if p.Empty() == tunnelUp {
		t.Errorf("empty = %v with tunnel up = %v", p.Empty(), tunnelUp)
	}
	for _, rs := range [][]Rule{p.Output, p.Input, p.Forward} {
		if i := index(rs, isFinal(Reject)); i >= 0 {
			t.Errorf("idle policy has a catch-all reject: %+v", rs[i])
		}
		if i := index(rs, isFinal(Drop)); i >= 0 {
			t.Errorf("idle policy has a catch-all drop: %+v", rs[i])
		}
		if i := index(rs, isDNSReject); i >= 0 {
			t.Errorf("idle policy rejects DNS: %+v", rs[i])
		}
	}
	if ep := index(p.Output, isEndpointTo(ep6)); leaky6 && (ep < 0 || ep > index(p.Output, isV6Block)) {
		t.Errorf("the IPv6 endpoint's accept (at %d) must precede the IPv6 block", ep)
	}
}

func checkEngagedOutput(t *testing.T, in Input, rs []Rule) {
	t.Helper()
	order := []int{index(rs, isLoopback), index(rs, isEndpoint), index(rs, isDNSReject)}
	if in.Tunnel != nil {
		order = append(order, index(rs, isTunnel))
	}
	if in.AllowLAN {
		order = append(order, index(rs, isLAN(FamilyIPv4)))
	}
	order = append(order, index(rs, isFinal(Reject)))
	if slices.Contains(order, -1) || !slices.IsSorted(order) {
		t.Errorf("output order loopback, endpoint, dns-reject, tunnel, lan, reject = %v\n%s", order, Policy{Output: rs})
	}
	if i := index(rs, isFinal(Reject)); i != len(rs)-1 {
		t.Errorf("catch-all reject at %d of %d", i, len(rs))
	}
	if got := index(rs, isLAN(FamilyIPv4)) >= 0; got != in.AllowLAN {
		t.Errorf("v4 LAN accept = %v, want %v", got, in.AllowLAN)
	}
	want6 := in.AllowLAN && in.HostIPv6
	if got := index(rs, isLAN(FamilyIPv6)) >= 0; got != want6 {
		t.Errorf("v6 LAN accept = %v, want %v", got, want6)
	}
	if got := index(rs, isNDP) >= 0; got != in.HostIPv6 {
		t.Errorf("NDP accept = %v, want %v", got, in.HostIPv6)
	}
	if got := index(rs, isDHCP6) >= 0; got != in.HostIPv6 {
		t.Errorf("DHCPv6 accept = %v, want %v", got, in.HostIPv6)
	}
	if in.AllowLAN {
		// A public IPv4 network on-link is the LAN's claim, not a LAN
		// (TunnelCrack's LocalNet); an on-link IPv6 prefix is a LAN.
		lan := rs[index(rs, isLAN(FamilyIPv4))]
		if slices.Contains(lan.Dst, onLink4) {
			t.Errorf("public on-link IPv4 network in the LAN accept: %v", lan.Dst)
		}
		if i := index(rs, isLAN(FamilyIPv6)); i >= 0 && !slices.Contains(rs[i].Dst, onLink6) {
			t.Errorf("on-link IPv6 prefix missing from LAN accept: %v", rs[i].Dst)
		}
	}
	checkUpstreams(t, in, rs)
}

// checkUpstreams: only the resolver may reach upstreams, and only through
// the tunnel unless the upstream is on an allowed LAN.
func checkUpstreams(t *testing.T, in Input, rs []Rule) {
	t.Helper()
	reject := index(rs, isDNSReject)
	for _, u := range in.DNS.Upstreams {
		i := index(rs, func(r Rule) bool { return slices.Contains(r.Dst, hostPrefix(u.Addr())) && r.DstPort == u.Port() })
		public := u == upPublic4 || u == upPublic6
		// The provider's private resolvers are LAN upstreams only while no
		// tunnel carries them; the on-link ones always are, LAN allowed.
		carried := in.Tunnel != nil && (u.Addr().Is4() || slices.Contains(in.Tunnel.Routes, netip.MustParsePrefix("::/0")))
		onLAN := in.AllowLAN && (u == upLAN4 || u == upLAN6 || (!public && !carried))
		want := (in.Tunnel != nil || onLAN) && (u.Addr().Is4() || in.HostIPv6)
		if (i >= 0) != want {
			t.Errorf("upstream %v accept present = %v, want %v", u, i >= 0, want)
			continue
		}
		if i < 0 {
			continue
		}
		r := rs[i]
		if !r.Service || r.Mark != in.DNS.Mark || i > reject {
			t.Errorf("upstream rule %+v not restricted to the resolver before the DNS reject", r)
		}
		if onLAN && r.Iface != "" {
			t.Errorf("LAN upstream %v with allow_lan restricted to %q", u, r.Iface)
		}
		if !onLAN && r.Iface != "palisade0" {
			t.Errorf("upstream %v not restricted to the tunnel: %q", u, r.Iface)
		}
	}
}

func checkEngagedInput(t *testing.T, in Input, rs []Rule) {
	t.Helper()
	est := index(rs, func(r Rule) bool { return r.Established })
	if est < 0 || rs[len(rs)-1].Action != Drop {
		t.Fatalf("input lacks established accept or final drop:\n%s", Policy{Input: rs})
	}
	if cve := index(rs, isCVE); in.Tunnel != nil && (cve < 0 || cve > est) {
		t.Errorf("CVE-2019-14899 drop at %d must precede established at %d", cve, est)
	}
	if got := index(rs, isLAN(FamilyIPv4)) >= 0; got != in.AllowLAN {
		t.Errorf("inbound IPv4 LAN accept = %v, want %v", got, in.AllowLAN)
	}
	if got, want := index(rs, isLAN(FamilyIPv6)) >= 0, in.AllowLAN && in.HostIPv6; got != want {
		t.Errorf("inbound IPv6 LAN accept = %v, want %v", got, want)
	}
}

func checkEngagedForward(t *testing.T, in Input, rs []Rule) {
	t.Helper()
	if i := index(rs, isFinal(Reject)); i != len(rs)-1 {
		t.Errorf("forward catch-all reject at %d of %d", i, len(rs))
	}
	if i := index(rs, isEndpoint); i >= 0 {
		t.Errorf("forwarded traffic may reach the endpoint: %+v", rs[i])
	}
	dns := index(rs, isDNSReject)
	for _, f := range bothFamilies {
		lan := index(rs, isLAN(f))
		if want := in.AllowLAN && (f == FamilyIPv4 || in.HostIPv6); (lan >= 0) != want {
			t.Errorf("forward %v LAN accept present = %v, want %v", f, lan >= 0, want)
		}
		if lan >= 0 && dns > lan {
			t.Errorf("forward DNS reject at %d after %v LAN accept at %d", dns, f, lan)
		}
	}
}

// With DNS mode existing nothing of Palisade's handles port 53, yet the
// service still needs its own lookups through the final reject.
func TestDNSExistingHasNoPort53Rules(t *testing.T) {
	in := testInput(StateConnected, ModeAlways, true, true, true, true)
	in.DNS.Manage = false
	p := Compute(in)
	for _, rs := range [][]Rule{p.Output, p.Input, p.Forward} {
		if i := index(rs, func(r Rule) bool { return r.DstPort == 53 && !isBootstrap(r) }); i >= 0 {
			t.Errorf("port-53 rule with DNS mode existing: %+v", rs[i])
		}
	}
}

func TestV6BlockAllowsOnLinkAndLinkLocal(t *testing.T) {
	in := testInput(StateConnected, ModeOff, false, true, false, true)
	p := Compute(in)
	r := p.Output[index(p.Output, isV6Block)]
	for _, want := range []netip.Prefix{onLink6, linkLocal6[0], ula6[0]} {
		if !slices.Contains(r.Dst, want) {
			t.Errorf("v6 block does not exempt %v: %v", want, r.Dst)
		}
	}
	in.AllowLAN = false
	r = Compute(in).Output[index(Compute(in).Output, isV6Block)]
	if slices.Contains(r.Dst, ula6[0]) {
		t.Errorf("v6 block exempts ULA without allow_lan")
	}
}

func TestEmptyWhenNothingToFilter(t *testing.T) {
	p := Compute(Input{State: StateDisconnected, Mode: ModeAuto, HostIPv6: true})
	if !p.Empty() || p.Engaged {
		t.Fatalf("want empty idle policy, got\n%s", p)
	}
}

func TestString(t *testing.T) {
	p := Compute(testInput(StateReconnecting, ModeAuto, true, true, false, true))
	s := p.String()
	for _, want := range []string{
		"engaged (auto, reconnecting)\n",
		"accept ip udp to 203.0.113.7 dport 51820 service(mark 0xca6c)",
		"reject ip6 to != {::1, fe80::/10, ff00::/8, 2001:db8:5:6::/64, fd00:77::/64, fc00::/7}",
		"drop ip iif != palisade0 to 10.64.1.2",
		"# allow_lan",
		"accept ip6 oif != palisade0 udp to @bootstrap6 dport 53 service(mark 0xca6c)",
		"set bootstrap6: 2001:db8:53::53\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	idle := Compute(Input{State: StateDisconnected, Mode: ModeAuto}).String()
	if idle != "not engaged (auto, disconnected, not armed)\nno rules\n" {
		t.Errorf("idle String() = %q", idle)
	}
}

// TestBlockOtherDNSWhileFullTunnelUp is Windows' DNS rule: with the kill
// switch off, a full tunnel up and the system pointed at the resolver, port
// 53 reaches only the local resolver (and the resolver its upstreams); not
// before the resolver is set, not for a split tunnel, not after disconnect,
// and not where the OS asks only the configured servers.
func TestBlockOtherDNSWhileFullTunnelUp(t *testing.T) {
	in := testInput(StateConnected, ModeOff, false, true, true, true)
	in.BlockOtherDNS = true
	in.Tunnel.Full = true
	p := Compute(in)
	if p.Engaged {
		t.Fatal("kill switch off must not engage")
	}
	rejects := 0
	for _, r := range p.Output {
		if r.DstPort == dnsPort && r.Action == Reject && len(r.Dst) == 0 {
			rejects++
		}
	}
	if rejects != 2 {
		t.Fatalf("want UDP and TCP port 53 rejected outside the resolver, got %d rejects:\n%s", rejects, p)
	}
	for _, f := range []Family{FamilyIPv4, FamilyIPv6} {
		toResolver := slices.ContainsFunc(p.Output, func(r Rule) bool {
			return r.Family == f && r.DstPort == dnsPort && r.Action == Accept && !r.Service
		})
		fromService := slices.ContainsFunc(p.Output, func(r Rule) bool {
			return r.Family == f && r.DstPort == dnsPort && r.Action == Accept && r.Service
		})
		if !toResolver || !fromService {
			t.Errorf("family %v: resolver accept %v, upstream accept %v", f, toResolver, fromService)
		}
	}
	for name, mod := range map[string]func(*Input){
		"other OS":          func(in *Input) { in.BlockOtherDNS = false },
		"split tunnel":      func(in *Input) { in.Tunnel.Full = false },
		"resolver not set":  func(in *Input) { in.DNS.Resolvers = nil },
		"DNS mode existing": func(in *Input) { in.DNS = DNS{} },
		"disconnected":      func(in *Input) { in.Tunnel, in.State = nil, StateDisconnected },
	} {
		in := testInput(StateConnected, ModeOff, false, true, true, true)
		in.BlockOtherDNS = true
		in.Tunnel.Full = true
		mod(&in)
		if slices.ContainsFunc(Compute(in).Output, func(r Rule) bool { return r.DstPort == dnsPort && r.Action == Reject }) {
			t.Errorf("%s: port 53 blocked", name)
		}
	}
}

// A stop for a restart keeps an engaged block persistent, whatever the
// mode engaged it by, and changes nothing else: the rules are those the
// service had, and a block that was not engaged stays off.
func TestRestartKeepsEngagedBlockPersistent(t *testing.T) {
	for _, mode := range []Mode{ModeOff, ModeAuto, ModeAlways} {
		for _, armed := range []bool{false, true} {
			in := testInput(StateDisconnected, mode, armed, true, true, true)
			plain := Compute(in)
			in.Restart = true
			p := Compute(in)
			if p.Persistent != p.Engaged {
				t.Errorf("%s armed=%v: restart gives persistent=%v, engaged=%v", mode, armed, p.Persistent, p.Engaged)
			}
			if p.Engaged != plain.Engaged || !reflect.DeepEqual(p.Output, plain.Output) || !reflect.DeepEqual(p.Input, plain.Input) {
				t.Errorf("%s armed=%v: restart changed the rules or the engagement", mode, armed)
			}
		}
	}
	in := testInput(StateDisconnected, ModeAuto, true, true, true, true)
	in.Restart = true
	if p := Compute(in); !p.Persistent || !slices.ContainsFunc(wfpFilters(p), func(f Filter) bool { return f.BootTime }) {
		t.Error("an armed auto block stopping for a restart is not kept as persistent and boot-time WFP filters")
	}
}
