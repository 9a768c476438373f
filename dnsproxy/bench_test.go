package dnsproxy

import (
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkCachedQuery measures cache-hit throughput over UDP on loopback, the
// path every repeated lookup of a desktop takes.
func BenchmarkCachedQuery(b *testing.B) {
	for _, host := range families {
		b.Run(host, func(b *testing.B) {
			up := startUpstream(b, host, answerA(3600))
			s, err := New(Config{
				Listen:    []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr(host), 0)},
				Upstreams: []netip.AddrPort{up.addr},
				Log:       quiet,
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			conn, err := net.Dial("udp", s.Addrs()[0].String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			co := &dns.Conn{Conn: conn}
			q := new(dns.Msg).SetQuestion("bench.example.", dns.TypeA)
			b.ResetTimer()
			for b.Loop() {
				q.Id = dns.Id()
				if err := co.WriteMsg(q); err != nil {
					b.Fatal(err)
				}
				r, err := co.ReadMsg()
				if err != nil || len(r.Answer) != 1 {
					b.Fatalf("reply %v, err %v", r, err)
				}
			}
			b.StopTimer()
			if up.total() != 1 {
				b.Fatalf("upstream asked %d times; the cache was not used", up.total())
			}
		})
	}
}
