package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func isDoTReject(r Rule) bool { return r.DstPort == dotPort && r.Action == Reject }

// DNS over TLS/QUIC is rejected where only a LAN accept would let it out:
// after the tunnel accept (DoT through the tunnel works) and before the
// LAN accepts, in output and forward, only with allow-LAN and managed DNS.
func TestEncryptedDNSRejectedOutsideTheTunnel(t *testing.T) {
	for _, lan := range []bool{true, false} {
		for _, manage := range []bool{true, false} {
			in := testInput(StateConnected, ModeAuto, true, lan, true, true)
			in.DNS.Manage = manage
			p := Compute(in)
			for dir, rs := range map[string][]Rule{"output": p.Output, "forward": p.Forward} {
				name := fmt.Sprintf("%s lan=%v manage=%v", dir, lan, manage)
				var n int
				for _, r := range rs {
					if isDoTReject(r) {
						n++
					}
				}
				if want := lan && manage; (want && n != 2) || (!want && n != 0) {
					t.Errorf("%s: %d port-853 rejects:\n%s", name, n, p)
					continue
				}
				if n == 0 {
					continue
				}
				d, tun := index(rs, isDoTReject), index(rs, isTunnel)
				if tun < 0 || d < tun {
					t.Errorf("%s: port-853 reject at %d, tunnel accept at %d", name, d, tun)
				}
				for _, f := range bothFamilies {
					if l := index(rs, isLAN(f)); l >= 0 && l < d {
						t.Errorf("%s: LAN accept %s at %d before the port-853 reject at %d", name, f, l, d)
					}
				}
			}
		}
	}
}

// The link-service accepts stay on the link: DHCPv4 to the broadcast
// address and on-link IPv4 networks, NDP and packet-too-big to link scope
// and on-link IPv6 prefixes, never to an internet host.
func TestLinkServicesOnlyToTheLink(t *testing.T) {
	internet4, internet6 := netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("2001:db8:200::10")
	for _, lan := range []bool{true, false} {
		in := testInput(StateConnected, ModeAlways, true, lan, true, true)
		p := Compute(in)
		var seen []string
		for _, r := range p.Output {
			var want []netip.Addr
			switch {
			case r.Proto == ProtoUDP && r.DstPort == dhcp4ServerPort:
				want = []netip.Addr{netip.MustParseAddr("255.255.255.255"), onLink4.Addr().Next(), lanNet4.Addr().Next()}
			case r.Proto == ProtoICMPv6 && slices.Contains([]uint8{icmp6NeighborSolicit, icmp6NeighborAdvert, icmp6PacketTooBig}, r.ICMPType):
				want = []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("ff02::1:ff00:1"), onLink6.Addr().Next(), lanNet6.Addr().Next()}
			default:
				continue
			}
			seen = append(seen, r.Reason)
			for _, a := range append(want, internet4, internet6) {
				got := slices.ContainsFunc(r.Dst, func(p netip.Prefix) bool { return p.Contains(a) })
				if got != slices.Contains(want, a) {
					t.Errorf("lan=%v: %q to %s accepted = %v", lan, r.Reason, a, got)
				}
			}
		}
		if len(seen) != 4 {
			t.Errorf("lan=%v: link services %q, want DHCPv4, two NDP and packet-too-big", lan, seen)
		}
	}
}

// Every engaged policy matches connection state: on nftables that keeps
// conntrack, and so the reassembly of fragments, on for the port-53 and
// port-853 rejects (TestPacketTricksStayIn).
func TestEngagedPoliciesReassemble(t *testing.T) {
	engaged := 0
	for _, st := range allStates {
		for _, mode := range allModes {
			for _, lan := range []bool{true, false} {
				in := testInput(st, mode, true, lan, true, true)
				p := Compute(in)
				if !p.Engaged {
					continue
				}
				engaged++
				if !slices.ContainsFunc(slices.Concat(p.Input, p.Forward), func(r Rule) bool { return r.Established }) {
					t.Errorf("%s %s lan=%v: no connection-state rule:\n%s", st, mode, lan, p)
				}
			}
		}
	}
	if engaged == 0 {
		t.Fatal("no engaged policy among the cases")
	}
}
