package firewall

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/google/nftables"
)

func wantOpen(t *testing.T, what string, tcpErr, udpErr error) {
	t.Helper()
	if tcpErr != nil || udpErr != nil {
		t.Errorf("%s: want open, got tcp %v, udp %v", what, tcpErr, udpErr)
	}
}

func wantRejected(t *testing.T, what string, tcpErr, udpErr error) {
	t.Helper()
	if !errors.Is(tcpErr, syscall.ECONNREFUSED) || !icmpRejected(udpErr) {
		t.Errorf("%s: want tcp reset and ICMP error, got tcp %v, udp %v", what, tcpErr, udpErr)
	}
}

// TestNFTDNSRejectedBeforeLAN: with the LAN allowed, DNS to a LAN server
// is still rejected while other ports on it are open.
func TestNFTDNSRejectedBeforeLAN(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	other := serve(t, p.b, 0)
	serve(t, p.b, dnsPort)
	if err := p.a.backend(t).Apply(Compute(engagedInput(true, pairNet4, pairNet6))); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{privatePeer4(t, p), peer6} {
		tcpErr, udpErr := probe(t, p.a, addr, other)
		wantOpen(t, addr.String()+" other port", tcpErr, udpErr)
		tcpErr, udpErr = probe(t, p.a, addr, dnsPort)
		wantRejected(t, addr.String()+" port 53", tcpErr, udpErr)
	}
}

// TestNFTTunnelUpstreamNotOverLAN: the provider's resolver has a private
// address inside the full tunnel's allowed IPs, and the LAN routes the same
// range to a neighbour that answers on port 53. With the LAN allowed, the
// resolver's queries to it are rejected on the physical interface (they
// may only go through the tunnel), while a resolver the user chose on an
// on-link prefix stays reachable as a LAN upstream. Both families.
func TestNFTTunnelUpstreamNotOverLAN(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	tun := addTunnel(t, p, "10.64.1.2/32", "fd00:64::2/128")
	tun.Routes = prefixes("0.0.0.0/0", "::/0")
	provider := []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd00:64::1")}
	p.b.ip(t, "addr", "add", "10.64.0.1/32", "dev", "lo")
	p.b.ip(t, "addr", "add", "fd00:64::1/128", "dev", "lo")
	p.a.ip(t, "route", "add", "10.64.0.0/24", "via", peer4.String())
	p.a.ip(t, "route", "add", "fd00:64::/64", "via", peer6.String())
	lan4 := privatePeer4(t, p)
	serve(t, p.b, dnsPort, provider[0], provider[1], lan4, peer6)
	const resolverMark = 0xca6d
	for _, a := range provider {
		tcpErr, udpErr := probeMarked(t, p.a, a, dnsPort, resolverMark)
		wantOpen(t, "before the policy, "+a.String()+" over the LAN", tcpErr, udpErr)
	}
	in := engagedInput(true, pairNet4, pairNet6, netip.PrefixFrom(lan4, 24).Masked())
	in.Tunnel = tun
	in.DNS.Upstreams, in.DNS.Chosen = nil, true
	for _, a := range append(provider, lan4, peer6) {
		in.DNS.Upstreams = append(in.DNS.Upstreams, netip.AddrPortFrom(a, dnsPort))
	}
	if err := p.a.backend(t).Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	for _, a := range provider {
		tcpErr, udpErr := probeMarked(t, p.a, a, dnsPort, resolverMark)
		wantRejected(t, "tunnel upstream "+a.String()+" over the LAN", tcpErr, udpErr)
	}
	for _, a := range []netip.Addr{lan4, peer6} {
		tcpErr, udpErr := probeMarked(t, p.a, a, dnsPort, resolverMark)
		wantOpen(t, "on-link LAN upstream "+a.String(), tcpErr, udpErr)
	}
}

// addTunnel gives a a stand-in "palisade0" interface (one end of a veth
// pair kept inside a) with the tunnel's addresses, which b routes to
// through the link between them.
func addTunnel(t *testing.T, p pair, addrs ...string) *Tunnel {
	t.Helper()
	p.a.ip(t, "link", "add", "palisade0", "type", "veth", "peer", "name", "palisade0p")
	p.a.ip(t, "link", "set", "palisade0", "up")
	p.a.ip(t, "link", "set", "palisade0p", "up")
	tun := &Tunnel{Interface: "palisade0"}
	for _, a := range addrs {
		pfx := netip.MustParsePrefix(a)
		tun.Addresses = append(tun.Addresses, pfx)
		p.a.ip(t, "addr", "add", a, "dev", "palisade0", "nodad")
		via := "198.51.100.1"
		if pfx.Addr().Is6() {
			via = "2001:db8:1::1"
		}
		p.b.ip(t, "route", "add", pfx.String(), "via", via)
	}
	return tun
}

// TestNFTIdleRejectsIPv6AroundIPv4Tunnel: kill switch off, a full tunnel
// without IPv6: off-link IPv6 is rejected, on-link IPv6 and IPv4 stay open.
func TestNFTIdleRejectsIPv6AroundIPv4Tunnel(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	tun := addTunnel(t, p, "10.64.1.2/32")
	tun.Block6 = true
	p.b.ip(t, "addr", "add", "2001:db8:2::1/128", "dev", "lo")
	p.b.ip(t, "addr", "add", "203.0.113.1/32", "dev", "lo")
	p.a.ip(t, "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::2")
	p.a.ip(t, "route", "add", "203.0.113.0/24", "via", "198.51.100.2")
	port := serve(t, p.b, 0, netip.MustParseAddr("2001:db8:2::1"), peer6, netip.MustParseAddr("203.0.113.1"))
	in := Input{State: StateConnected, Mode: ModeOff, HostIPv6: true, Tunnel: tun, OnLink: []netip.Prefix{pairNet4, pairNet6}}
	if err := p.a.backend(t).Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	tcpErr, udpErr := probe(t, p.a, netip.MustParseAddr("2001:db8:2::1"), port)
	wantRejected(t, "off-link IPv6", tcpErr, udpErr)
	tcpErr, udpErr = probe(t, p.a, peer6, port)
	wantOpen(t, "on-link IPv6", tcpErr, udpErr)
	tcpErr, udpErr = probe(t, p.a, netip.MustParseAddr("203.0.113.1"), port)
	wantOpen(t, "off-link IPv4", tcpErr, udpErr)
}

// TestNFTDropsTunnelAddressFromOutside (CVE-2019-14899): a LAN neighbour
// cannot reach the tunnel addresses through the physical interface, while
// the host itself still can over loopback.
func TestNFTDropsTunnelAddressFromOutside(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	tun := addTunnel(t, p, "10.64.1.2/32", "fd00:64::2/128")
	port := serve(t, p.a, 0, tun.Addresses[0].Addr(), tun.Addresses[1].Addr())
	for _, a := range tun.Addresses {
		tcpErr, udpErr := probe(t, p.b, a.Addr(), port)
		wantOpen(t, "before the policy, "+a.String(), tcpErr, udpErr)
	}
	in := Input{State: StateConnected, Mode: ModeOff, HostIPv6: true, Tunnel: tun}
	if err := p.a.backend(t).Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	for _, a := range tun.Addresses {
		tcpErr, udpErr := probe(t, p.b, a.Addr(), port)
		if !isTimeout(tcpErr) || !isTimeout(udpErr) {
			t.Errorf("%v from the LAN: want silence (drop), got tcp %v, udp %v", a, tcpErr, udpErr)
		}
		tcpErr, udpErr = probe(t, p.a, a.Addr(), port)
		wantOpen(t, "from the host itself, "+a.String(), tcpErr, udpErr)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestNFTBootstrapPermitInPlace: opening and closing the bootstrap permit
// for a lookup changes only the named sets: the table's rules stay the
// same ones (same handles), the service's own sockets reach the system's
// name servers on port 53 exactly while the permit is open, and other
// sockets never do. Both families.
func TestNFTBootstrapPermitInPlace(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	serve(t, p.b, dnsPort, peer4, peer6)
	be := p.a.backend(t)
	closed := engagedInput(false)
	open := closed
	open.Bootstrap = []netip.Addr{peer4, peer6}
	const serviceMark = 0xca6c
	handles := func() []uint64 {
		var hs []uint64
		c := p.a.conn(t)
		rules, err := c.GetRules(be.table(), &nftables.Chain{Name: "output", Table: be.table()})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			hs = append(hs, r.Handle)
		}
		return hs
	}
	if err := be.Apply(Compute(closed)); err != nil {
		t.Fatal(err)
	}
	before := handles()
	for round, c := range []struct {
		in   Input
		open bool
	}{{open, true}, {closed, false}, {open, true}} {
		if err := be.Apply(Compute(c.in)); err != nil {
			t.Fatal(err)
		}
		if now := handles(); !slices.Equal(now, before) {
			t.Errorf("round %d: output rules replaced (handles %v, were %v)", round, now, before)
		}
		for _, a := range []netip.Addr{peer4, peer6} {
			tcpErr, udpErr := probeMarked(t, p.a, a, dnsPort, serviceMark)
			if c.open {
				wantOpen(t, fmt.Sprintf("round %d: service to %v:53, permit open", round, a), tcpErr, udpErr)
			} else {
				wantRejected(t, fmt.Sprintf("round %d: service to %v:53, permit closed", round, a), tcpErr, udpErr)
			}
			tcpErr, udpErr = probe(t, p.a, a, dnsPort)
			wantRejected(t, fmt.Sprintf("round %d: other socket to %v:53", round, a), tcpErr, udpErr)
		}
	}
	// A table deleted behind the backend's back: the set update fails and
	// the whole table is installed again.
	c := p.a.conn(t)
	c.DelTable(be.table())
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := be.Apply(Compute(closed)); err != nil {
		t.Fatalf("apply after the table vanished: %v", err)
	}
	if n := len(handles()); n != len(before) {
		t.Errorf("after the table vanished: %d output rules, want %d", n, len(before))
	}
}

// TestNFTBootstrapLinkLocalServer: a link-local system name server is
// reached by the service's own sockets on its link while the permit is
// open, whether its zone is a name (resolv.conf) or an index
// (systemd-resolved writes fe80::1%2); other sockets never reach it.
func TestNFTBootstrapLinkLocalServer(t *testing.T) {
	needRoot(t)
	p := newPair(t)
	p.a.ip(t, "addr", "add", "fe80::a/64", "dev", "a0", "nodad")
	p.b.ip(t, "addr", "add", "fe80::b/64", "dev", "b0", "nodad")
	serve(t, p.b, dnsPort, netip.MustParseAddr("fe80::b%b0"))
	var index int
	p.a.do(t, func() {
		ifc, err := net.InterfaceByName("a0")
		if err != nil {
			t.Fatal(err)
		}
		index = ifc.Index
	})
	be := p.a.backend(t)
	server := netip.MustParseAddr("fe80::b%a0")
	for _, zone := range []string{"a0", strconv.Itoa(index)} {
		in := engagedInput(false)
		in.Bootstrap = []netip.Addr{server.WithZone(zone)}
		// Applied from inside a's namespace, as the service runs in its
		// own: the index is looked up there.
		var err error
		p.a.do(t, func() { err = be.Apply(Compute(in)) })
		if err != nil {
			t.Fatal(err)
		}
		tcpErr, udpErr := probeMarked(t, p.a, server, dnsPort, 0xca6c)
		wantOpen(t, "service to fe80::b%"+zone+" port 53", tcpErr, udpErr)
		tcpErr, udpErr = probe(t, p.a, server, dnsPort)
		wantRejected(t, "other socket to fe80::b%"+zone+" port 53", tcpErr, udpErr)
	}
}
