package firewall

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

var splitDNSServers = []netip.Addr{netip.MustParseAddr("203.0.113.53"), netip.MustParseAddr("2001:db8:53::1")}

func splitInput(state TunnelState, mode Mode, sm SplitMode, dnsPort uint16, host6 bool) Input {
	in := testInput(state, mode, false, true, false, host6)
	in.Split = &Split{Mode: sm, Cgroup: "palisade-x", Mark: 0xca6e, DNSPort: dnsPort, DNSServers: splitDNSServers}
	return in
}

func isSplitOut(r Rule) bool {
	return (r.Cgroup == "palisade-x" || (r.Marked == 0xca6e && r.NotMarked)) && r.Action == Accept
}
func isGroupOut(r Rule) bool { return r.Marked == 0xca6e && !r.NotMarked && r.Action == Accept }
func isSplitIn(r Rule) bool  { return r.CtMark == 0xca6e && r.Established && r.Action == Accept }
func isSplitListen(r Rule) bool {
	return r.CtMark == 0xca6e && !r.Established && r.Action == Accept && len(r.Src) == 0
}

// TestSplitBypassRules: the bypass group goes out before the IPv6 block,
// the DNS reject and the kill switch, in every kill switch mode and state
// (its mark routes it past the tunnel); its replies pass before the CVE
// drop.
func TestSplitBypassRules(t *testing.T) {
	for _, mode := range allModes {
		for _, state := range allStates {
			in := splitInput(state, mode, SplitBypass, 5354, true)
			p := Compute(in)
			name := string(mode) + "/" + string(state)
			if p.Split == nil || p.Split.Mode != SplitBypass || p.Split.Mark != 0xca6e || p.Split.Cgroup != "palisade-x" {
				t.Fatalf("%s: split plan %+v", name, p.Split)
			}
			if len(p.Output) == 0 {
				// nothing filtered at all: the group needs no exception
				if wantEngaged(in) || (in.Tunnel != nil && in.Tunnel.Block6) {
					t.Errorf("%s: no output rules", name)
				}
				continue
			}
			i := index(p.Output, isSplitOut)
			if i < 0 {
				t.Fatalf("%s: no bypass rule:\n%s", name, p)
			}
			if r := p.Output[i]; r.Iface != "" || r.Marked != 0 || len(r.Dst) > 0 {
				t.Errorf("%s: bypass rule %s", name, r.Match(DirOutput))
			}
			if len(p.Split.Guard) != 0 || index(p.Output, isGroupOut) >= 0 {
				t.Errorf("%s: vpn-only rules in bypass mode", name)
			}
			for _, later := range []func(Rule) bool{isV6Block, isDNSReject, isFinal(Reject)} {
				if j := index(p.Output, later); j >= 0 && j < i {
					t.Errorf("%s: rule %d (%s) comes before the bypass rule", name, j, p.Output[j].Match(DirOutput))
				}
			}
			if j := index(p.Output, isLoopback); j > i {
				t.Errorf("%s: loopback after the bypass rule", name)
			}
			if in.Tunnel != nil {
				ci, si := index(p.Input, isCVE), index(p.Input, isSplitIn)
				if si < 0 || ci < si {
					t.Errorf("%s: replies to the group (%d) must come before the CVE drop (%d):\n%s", name, si, ci, p)
				}
			}
			// Engaged: new connections to the group's listeners pass after
			// the CVE drop and before the final drop.
			if li := index(p.Input, isSplitListen); wantEngaged(in) && (li < 0 || li < index(p.Input, isCVE) || li > index(p.Input, isFinal(Drop))) {
				t.Errorf("%s: the group's listeners at %d:\n%s", name, li, p)
			}
		}
	}
}

func TestSplitBypassDNS(t *testing.T) {
	p := Compute(splitInput(StateConnected, ModeAuto, SplitBypass, 5354, true))
	want := []Redirect{
		{netip.MustParseAddrPort("127.80.73.65:53"), netip.MustParseAddrPort("127.80.73.65:5354")},
		{netip.MustParseAddrPort("[fe80::80:73:65]:53"), netip.MustParseAddrPort("[fe80::80:73:65]:5354")},
	}
	if !slices.Equal(p.Split.Redirects, want) {
		t.Errorf("redirects %v, want %v", p.Split.Redirects, want)
	}
	// The bypass resolver's own sockets may ask the system's servers
	// outside the tunnel, both families, TCP and UDP.
	for _, a := range splitDNSServers {
		for _, proto := range tcpAndUDP {
			if index(p.Output, func(r Rule) bool {
				return r.Service && r.Mark == 0xca6c && r.Proto == proto && r.DstPort == 53 &&
					slices.Contains(r.Dst, hostPrefix(a)) && r.NotIface && r.Iface == "palisade0"
			}) < 0 {
				t.Errorf("no %s rule for the bypass resolver to %s:\n%s", proto, a, p)
			}
		}
	}
	// No IPv6 on the host: no IPv6 redirect.
	p = Compute(splitInput(StateConnected, ModeAuto, SplitBypass, 5354, false))
	if len(p.Split.Redirects) != 1 || !p.Split.Redirects[0].From.Addr().Is4() {
		t.Errorf("host without IPv6: redirects %v", p.Split.Redirects)
	}
	// "bypass DNS" off: the group's DNS stays on the local resolver, and
	// the system's servers stay closed.
	p = Compute(splitInput(StateConnected, ModeAuto, SplitBypass, 0, true))
	if len(p.Split.Redirects) != 0 {
		t.Errorf("DNS redirected with DNSPort 0: %v", p.Split.Redirects)
	}
	if index(p.Output, func(r Rule) bool { return slices.Contains(r.Dst, hostPrefix(splitDNSServers[0])) }) >= 0 {
		t.Errorf("system DNS servers open without the bypass resolver:\n%s", p)
	}
	// DNS mode existing: nothing to redirect.
	in := splitInput(StateConnected, ModeAuto, SplitBypass, 5354, true)
	in.DNS = DNS{}
	if p := Compute(in); len(p.Split.Redirects) != 0 {
		t.Errorf("DNS redirected in mode existing: %v", p.Split.Redirects)
	}
}

// TestSplitVPNOnlyRules: everything outside the group is accepted before
// the IPv6 block, DNS and kill switch rules, which then hold the group
// alone; no bypass reply exception exists.
func TestSplitVPNOnlyRules(t *testing.T) {
	for _, mode := range allModes {
		for _, state := range allStates {
			in := splitInput(state, mode, SplitVPNOnly, 5354, true)
			p := Compute(in)
			name := string(mode) + "/" + string(state)
			if p.Split == nil || p.Split.Mode != SplitVPNOnly || len(p.Split.Redirects) != 0 {
				t.Fatalf("%s: split plan %+v", name, p.Split)
			}
			if index(p.Input, isSplitIn) >= 0 || index(p.Input, isSplitListen) >= 0 {
				t.Errorf("%s: bypass replies or listeners rule in vpn-only mode", name)
			}
			if len(p.Output) == 0 {
				continue
			}
			i := index(p.Output, isSplitOut)
			if i < 0 || !p.Output[i].NotMarked || p.Output[i].Iface != "" || p.Output[i].Cgroup != "" {
				t.Fatalf("%s: no accept for programs outside the group:\n%s", name, p)
			}
			for _, later := range []func(Rule) bool{isV6Block, isDNSReject, isFinal(Reject), isTunnel, isGroupOut} {
				if j := index(p.Output, later); j >= 0 && j < i {
					t.Errorf("%s: rule %s comes before the exception for programs outside the group", name, p.Output[j].Match(DirOutput))
				}
			}
			g := index(p.Output, isGroupOut)
			if !wantEngaged(in) {
				if g >= 0 || len(p.Split.Guard) != 0 {
					t.Errorf("%s: the group is held while the kill switch is off:\n%s", name, p)
				}
				continue
			}
			// Engaged: the IPv6 block and the DNS rules hold the group in
			// output; the guard after routing lets it out only by loopback,
			// the tunnel or the LAN.
			for _, earlier := range []func(Rule) bool{isV6Block, isDNSReject} {
				if j := index(p.Output, earlier); g >= 0 && j > g {
					t.Errorf("%s: rule %s comes after the group is passed on", name, p.Output[j].Match(DirOutput))
				}
			}
			if in.Tunnel == nil {
				// No tunnel: the group meets the kill switch's own rules,
				// down to the final reject (it fails fast).
				if g >= 0 || index(p.Output, isFinal(Reject)) < 0 {
					t.Errorf("%s: without a tunnel the group is passed on to the guard (dropped, not rejected):\n%s", name, p)
				}
			} else if g < 0 || g > index(p.Output, isTunnel) && index(p.Output, isTunnel) >= 0 {
				t.Errorf("%s: group rule at %d:\n%s", name, g, p)
			}
			guard := p.Split.Guard
			if len(guard) == 0 || !guard[0].NotMarked || !isFinal(Drop)(guard[len(guard)-1]) {
				t.Fatalf("%s: guard %v", name, guard)
			}
			if (in.Tunnel != nil) != (index(guard, isTunnel) >= 0) || index(guard, isLAN(FamilyIPv4)) < 0 {
				t.Errorf("%s: guard lacks the tunnel or the LAN:\n%s", name, p)
			}
		}
	}
}

func TestSplitOffLeavesPolicyAlone(t *testing.T) {
	in := testInput(StateConnected, ModeAuto, false, true, false, true)
	p := Compute(in)
	if p.Split != nil || index(p.Output, func(r Rule) bool { return r.Cgroup != "" }) >= 0 || index(p.Input, isSplitIn) >= 0 {
		t.Errorf("split rules without a split tunnel:\n%s", p)
	}
	if Compute(Input{Mode: ModeOff}).Empty() != true {
		t.Error("off policy not empty")
	}
	in = Input{Mode: ModeOff, Split: &Split{Mode: SplitBypass, Cgroup: "g", Mark: 1}}
	if Compute(in).Empty() {
		t.Error("a policy with a split plan counts as empty: the backend would remove the marking")
	}
}

func TestSplitString(t *testing.T) {
	s := Compute(splitInput(StateConnected, ModeAlways, SplitBypass, 5354, true)).String()
	for _, want := range []string{"accept cgroup palisade-x", "accept ct mark 0xca6e established,related",
		"split tunnel (bypass)", "DNS to 127.80.73.65:53 redirected to 127.80.73.65:5354"} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}
	s = Compute(splitInput(StateConnected, ModeAlways, SplitVPNOnly, 0, true)).String()
	if !strings.Contains(s, "accept mark != 0xca6e") || !strings.Contains(s, "split tunnel (vpn-only)") || !strings.Contains(s, "postrouting: drop") {
		t.Errorf("vpn-only String:\n%s", s)
	}
}
