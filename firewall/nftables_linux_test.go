package firewall

import (
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

func engagedInput(lan bool, onLink ...netip.Prefix) Input {
	return Input{
		State: StateConnected, Mode: ModeAlways, AllowLAN: lan, HostIPv6: true,
		Tunnel:    &Tunnel{Interface: "palisade0", Addresses: prefixes("10.64.1.2/32", "fd00:64::2/128")},
		Endpoints: []netip.AddrPort{netip.MustParseAddrPort("203.0.113.7:51820"), netip.MustParseAddrPort("[2001:db8:ff::7]:51820")},
		FwMark:    0xca6c,
		DNS: DNS{Manage: true, Mark: 0xca6d,
			Resolvers: []netip.Addr{netip.MustParseAddr("127.80.73.65"), netip.MustParseAddr("fe80::80:73:65")},
			Upstreams: []netip.AddrPort{netip.MustParseAddrPort("10.64.0.1:53"), netip.MustParseAddrPort("[2620:fe::fe]:53")}},
		OnLink: onLink,
	}
}

// ruleCounts lists the palisade table's rules per chain.
func ruleCounts(t *testing.T, ns *testNS) map[string]int {
	t.Helper()
	c := ns.conn(t)
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tb := range tables {
		if tb.Name != tableName {
			continue
		}
		for _, name := range []string{"output", "input", "forward"} {
			rs, err := c.GetRules(tb, &nftables.Chain{Name: name, Table: tb})
			if err != nil {
				t.Fatalf("chain %s: %v", name, err)
			}
			counts[name] = len(rs)
		}
	}
	return counts
}

func TestNFTApplyReplaceRemove(t *testing.T) {
	needRoot(t)
	ns := newTestNS(t)
	b := ns.backend(t)
	addForeignAccept(t, ns)

	p := Compute(engagedInput(true, netip.MustParsePrefix("2001:db8:1::/64")))
	if err := b.Apply(p); err != nil {
		t.Fatal(err)
	}
	first := ruleCounts(t, ns)
	if first["output"] < len(p.Output) || first["input"] < len(p.Input) || first["forward"] < len(p.Forward) {
		t.Fatalf("installed %v rules for a policy with %d/%d/%d", first, len(p.Output), len(p.Input), len(p.Forward))
	}
	if err := b.Apply(p); err != nil {
		t.Fatal(err)
	}
	if again := ruleCounts(t, ns); again["output"] != first["output"] || again["input"] != first["input"] {
		t.Fatalf("re-apply changed rule counts %v -> %v (duplicated?)", first, again)
	}
	show, err := b.Show()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CVE-2019-14899", "service(mark 0xca6c)", "2001:db8:1::/64", "reject (tcp: reset)", "reject (other: icmp admin-prohibited)"} {
		if !strings.Contains(show, want) {
			t.Errorf("Show lacks %q:\n%s", want, show)
		}
	}

	if err := b.Apply(Policy{}); err != nil {
		t.Fatal(err)
	}
	if n := ruleCounts(t, ns); len(n) != 0 {
		t.Fatalf("empty policy left the table: %v", n)
	}
	if err := b.Apply(p); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if n := ruleCounts(t, ns); len(n) != 0 {
		t.Fatalf("Remove left the table: %v", n)
	}
	if !hasTable(t, ns, "other") {
		t.Fatal("Remove deleted a foreign table")
	}
}

func TestNFTRejectsUnmarkedServiceRule(t *testing.T) {
	needRoot(t)
	ns := newTestNS(t)
	in := engagedInput(false)
	in.FwMark = 0
	if err := ns.backend(t).Apply(Compute(in)); err == nil {
		t.Fatal("a service rule without a mark was accepted")
	}
}

func hasTable(t *testing.T, ns *testNS, name string) bool {
	t.Helper()
	tables, err := ns.conn(t).ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == name {
			return true
		}
	}
	return false
}

// addForeignAccept installs another firewall's table that accepts
// everything early, like docker or firewalld would.
func addForeignAccept(t *testing.T, ns *testNS) {
	t.Helper()
	c := ns.conn(t)
	tb := c.AddTable(&nftables.Table{Name: "other", Family: nftables.TableFamilyINet})
	accept := nftables.ChainPolicyAccept
	for _, hook := range []*nftables.ChainHook{nftables.ChainHookOutput, nftables.ChainHookInput} {
		ch := c.AddChain(&nftables.Chain{Name: "c" + hookName(hook), Table: tb, Type: nftables.ChainTypeFilter,
			Hooknum: hook, Priority: nftables.ChainPriorityRef(-300), Policy: &accept})
		c.AddRule(&nftables.Rule{Table: tb, Chain: ch, Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}})
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
}

func hookName(h *nftables.ChainHook) string {
	if *h == *nftables.ChainHookOutput {
		return "out"
	}
	return "in"
}

func TestNFTPacketsBothFamilies(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	port := serve(t, p.b, 0)
	addForeignAccept(t, p.a)
	b := p.a.backend(t)
	// The public IPv4 network on-link stays shut with the LAN allowed: only
	// IPv6 prefixes on-link count as LAN (TunnelCrack's LocalNet).
	steps := []struct {
		name               string
		in                 Input
		blocked4, blocked6 bool
	}{
		{"no LAN", engagedInput(false, pairNet4, pairNet6), true, true},
		{"LAN, peer prefix on-link", engagedInput(true, pairNet4, pairNet6), true, false},
		{"LAN, prefix gone from on-link", engagedInput(true), true, true},
	}
	for _, s := range steps {
		if err := b.Apply(Compute(s.in)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, addr := range []netip.Addr{peer4, peer6} {
			tcpErr, udpErr := probe(t, p.a, addr, port)
			blocked := s.blocked4
			if addr.Is6() {
				blocked = s.blocked6
			}
			if !blocked {
				if tcpErr != nil || udpErr != nil {
					t.Errorf("%s: %v: want open, got tcp %v, udp %v", s.name, addr, tcpErr, udpErr)
				}
				continue
			}
			if !errors.Is(tcpErr, syscall.ECONNREFUSED) {
				t.Errorf("%s: %v: tcp want connection refused (reset), got %v", s.name, addr, tcpErr)
			}
			if !icmpRejected(udpErr) {
				t.Errorf("%s: %v: udp want an ICMP error, got %v", s.name, addr, udpErr)
			}
		}
	}
}

// icmpRejected reports whether a UDP error came from ICMP(v6)
// admin-prohibited (EHOSTUNREACH for IPv4, EACCES for IPv6), not a timeout.
func icmpRejected(err error) bool {
	return errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// BenchmarkApply measures one full table replacement with 8 on-link
// prefixes.
func BenchmarkApply(b *testing.B) {
	needRoot(b)
	ns := newTestNS(b)
	be := ns.backend(b)
	var onLink []netip.Prefix
	for i := range 4 {
		onLink = append(onLink,
			netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, byte(100 + i), 0}), 24),
			netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i)}), 64))
	}
	p := Compute(engagedInput(true, onLink...))
	for b.Loop() {
		if err := be.Apply(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrapPermit is one endpoint-name lookup's firewall cost:
// opening the bootstrap permit and closing it again on an engaged policy.
func BenchmarkBootstrapPermit(b *testing.B) {
	needRoot(b)
	ns := newTestNS(b)
	be := ns.backend(b)
	closed := engagedInput(true, netip.MustParsePrefix("2001:db8:1::/64"))
	open := closed
	open.Bootstrap = []netip.Addr{netip.MustParseAddr("192.168.50.1"), netip.MustParseAddr("2001:db8:53::53")}
	pClosed, pOpen := Compute(closed), Compute(open)
	if err := be.Apply(pClosed); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := be.Apply(pOpen); err != nil {
			b.Fatal(err)
		}
		if err := be.Apply(pClosed); err != nil {
			b.Fatal(err)
		}
	}
}
