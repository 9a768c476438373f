package testbed

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/miekg/dns"
)

// outsideRules is the nft table in internet that counts every TCP, UDP and
// ICMP echo packet arriving from anyone but the server (tunnelled traffic)
// and the LAN router itself; port 53 apart. Unlike palleak it does not
// depend on the client's addresses, so it still sees a leak after the
// client was renumbered, took an address on another prefix, or went out a
// second link.
const outsideRules = `table inet paloutside {
	counter ipv4 {}
	counter ipv6 {}
	counter ipv4_dns {}
	counter ipv6_dns {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr { 198.51.100.2, 203.0.113.1 } accept
		ip6 saddr { 2001:db8:100::2, 2001:db8:200::1, fe80::/10 } accept
		meta nfproto ipv4 meta l4proto { tcp, udp } th dport 53 counter name "ipv4_dns" accept
		meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 counter name "ipv6_dns" accept
		meta nfproto ipv4 meta l4proto { tcp, udp } counter name "ipv4" accept
		icmp type echo-request counter name "ipv4"
		meta nfproto ipv6 meta l4proto { tcp, udp } counter name "ipv6"
		icmpv6 type echo-request counter name "ipv6"
	}
}
`

// outsideNames records the names the public DNS server was asked by
// anyone but the server, that is from outside the tunnel.
type outsideNames struct {
	mu    sync.Mutex
	names []string
}

// wrap records each question of a query from outside the tunnel, then
// lets h answer.
func (o *outsideNames) wrap(h dns.Handler) dns.HandlerFunc {
	return func(w dns.ResponseWriter, req *dns.Msg) {
		src, err := netip.ParseAddrPort(w.RemoteAddr().String())
		if err != nil || (src.Addr() != ServerIPv4 && src.Addr() != ServerIPv6) {
			o.mu.Lock()
			for _, q := range req.Question {
				if !slices.Contains(o.names, q.Name) {
					o.names = append(o.names, q.Name)
				}
			}
			o.mu.Unlock()
		}
		h.ServeDNS(w, req)
	}
}

// OutsideNames returns the names internet's public DNS server was asked
// from outside the tunnel since the last ResetOutsideCounts.
func (b *Bed) OutsideNames() []string {
	o := &b.services.outside
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.names)
}

// OutsideCounts returns how many TCP, UDP and ICMP echo packets reached
// internet from any address but the server's and the LAN router's, keyed
// "ipv4" and "ipv6", and "ipv4/dns" and "ipv6/dns" for port 53 apart:
// everything the client sent outside the tunnel, whichever address or link
// it used. OutsideNames tells what the DNS packets asked.
func (b *Bed) OutsideCounts() (map[string]uint64, error) {
	return b.counters("paloutside")
}

// ResetOutsideCounts sets the outside counters back to zero and forgets
// the outside names.
func (b *Bed) ResetOutsideCounts() error {
	o := &b.services.outside
	o.mu.Lock()
	o.names = nil
	o.mu.Unlock()
	return b.resetCounters("paloutside")
}
