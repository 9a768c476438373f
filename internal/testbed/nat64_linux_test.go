package testbed

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The IPv6-only LAN: the client has no IPv4, reaches IPv4 hosts through the
// router's NAT64 (counted as a leak from the pool), the DNS64 resolver
// synthesizes AAAA records for A-only names and ipv4only.arpa, and the
// server's WireGuard port answers only over IPv4.
func TestIPv6OnlyLAN(t *testing.T) {
	b := New(t, Options{NAT64: true, LANIPv6Only: true})
	out, err := b.Exec(RoleClient, "ip", "-4", "addr", "show", "dev", "eth0")
	if err != nil || strings.Contains(string(out), "inet ") {
		t.Fatalf("the client has IPv4 on the IPv6-only LAN: %s, %v", out, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.ProbeTCP(ctx, netip.AddrPortFrom(InternetIPv4, HTTPPort)); err == nil {
		t.Error("an IPv4 literal was reachable without IPv4")
	}
	seen, err := b.ProbeTCP(ctx, netip.AddrPortFrom(Synthesized(InternetIPv4), HTTPPort))
	if err != nil || !NAT64Pool.Contains(netip.MustParseAddr(seen)) {
		t.Fatalf("through NAT64: internet saw %q, %v; want an address of %s", seen, err, NAT64Pool)
	}
	if c, err := b.LeakCounts(); err != nil || c["ipv4/tcp"] == 0 {
		t.Errorf("translated traffic not counted as an IPv4 leak: %v, %v", c, err)
	}
	dns64 := netip.AddrPortFrom(LANIPv6, DNSPort)
	for name, want := range map[string]netip.Addr{
		Server4Name:   Synthesized(ServerIPv4),
		DiscoveryName: Synthesized(netip.MustParseAddr("192.0.0.170")),
		ExampleName:   ExampleIPv6, // a real AAAA is not synthesized over
	} {
		m, err := b.ProbeDNS(ctx, dns64, name, dns.TypeAAAA)
		if err != nil || !hasAAAA(m, want) {
			t.Errorf("DNS64 AAAA %s: %v, %v; want %s", name, m, err, want)
		}
	}
}

func hasAAAA(m *dns.Msg, want netip.Addr) bool {
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.AAAA); ok && netip.MustParseAddr(a.AAAA.String()) == want {
			return true
		}
	}
	return false
}
