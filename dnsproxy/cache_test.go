package dnsproxy

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestCacheHitAndExpiry(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
			up := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}}, clock.install)

			ask(t, s, "udp", "c.example", dns.TypeA, nil)
			clock.advance(100 * time.Second)
			r := ask(t, s, "udp", "C.Example", dns.TypeA, nil)
			if up.total() != 1 || s.Stats().CacheHits != 1 {
				t.Fatalf("upstream asked %d times, %d hits; want 1 and 1", up.total(), s.Stats().CacheHits)
			}
			if ttl := r.Answer[0].Header().Ttl; ttl != 200 {
				t.Fatalf("cached TTL %d, want 200", ttl)
			}
			if r.Question[0].Name != "C.Example." {
				t.Fatalf("question %q, want the client's spelling", r.Question[0].Name)
			}
			// A different type and a DNSSEC-OK query are separate entries.
			ask(t, s, "udp", "c.example", dns.TypeMX, nil)
			ask(t, s, "udp", "c.example", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(1232, true) })
			if up.total() != 3 {
				t.Fatalf("upstream asked %d times, want 3", up.total())
			}
			clock.advance(200 * time.Second)
			ask(t, s, "udp", "c.example", dns.TypeA, nil)
			if up.total() != 4 {
				t.Fatalf("expired entry served: upstream asked %d times, want 4", up.total())
			}
		})
	}
}

func TestNegativeCache(t *testing.T) {
	nx := func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetRcode(r, dns.RcodeNameError)
		m.Ns = []dns.RR{&dns.SOA{
			Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
			Ns:  "ns.example.", Mbox: "host.example.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 60,
		}}
		w.WriteMsg(m)
	}
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
			up := startUpstream(t, host, nx)
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}}, clock.install)
			r := ask(t, s, "udp", "nope.example", dns.TypeA, nil)
			if r.Rcode != dns.RcodeNameError {
				t.Fatalf("rcode %s", dns.RcodeToString[r.Rcode])
			}
			clock.advance(59 * time.Second)
			r = ask(t, s, "tcp", "nope.example", dns.TypeA, nil)
			if up.total() != 1 || r.Rcode != dns.RcodeNameError || r.Ns[0].Header().Ttl != 3600-59 {
				t.Fatalf("upstream asked %d times, rcode %s, SOA %v", up.total(), dns.RcodeToString[r.Rcode], r.Ns)
			}
			clock.advance(2 * time.Second)
			ask(t, s, "udp", "nope.example", dns.TypeA, nil)
			if up.total() != 2 {
				t.Fatalf("negative entry outlived SOA minimum: upstream asked %d times", up.total())
			}
		})
	}
}

func TestCacheTTL(t *testing.T) {
	a := func(ttl uint32) dns.RR {
		return &dns.A{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: net.IPv4(192, 0, 2, 1)}
	}
	aaaa := &dns.AAAA{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 30}, AAAA: net.ParseIP("2001:db8::1")}
	soa := func(ttl, minttl uint32) dns.RR {
		return &dns.SOA{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl}, Minttl: minttl}
	}
	for _, tc := range []struct {
		name string
		msg  *dns.Msg
		want time.Duration
		ok   bool
	}{
		{"min of answers", &dns.Msg{Answer: []dns.RR{a(300), aaaa}}, 30 * time.Second, true},
		{"capped", &dns.Msg{Answer: []dns.RR{a(1 << 30)}}, maxTTL, true},
		{"zero ttl", &dns.Msg{Answer: []dns.RR{a(0)}}, 0, false},
		{"nodata soa min", &dns.Msg{Ns: []dns.RR{soa(900, 120)}}, 120 * time.Second, true},
		{"nodata soa ttl", &dns.Msg{Ns: []dns.RR{soa(10, 120)}}, 10 * time.Second, true},
		{"negative cap", &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeNameError}, Ns: []dns.RR{soa(86400, 86400)}}, maxNegativeTTL, true},
		{"negative without soa", &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeNameError}}, 0, false},
		{"servfail", &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeServerFailure}, Answer: []dns.RR{a(60)}}, 0, false},
		{"truncated", &dns.Msg{MsgHdr: dns.MsgHdr{Truncated: true}, Answer: []dns.RR{a(60)}}, 0, false},
	} {
		got, ok := cacheTTL(tc.msg)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newCache(2, time.Now)
	msg := func(name string) *dns.Msg {
		return &dns.Msg{Answer: []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}}
	}
	key := func(name string) cacheKey {
		return keyFor(dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET}, false, false)
	}
	c.put(key("a."), msg("a."))
	c.put(key("b."), msg("b."))
	c.get(key("a.")) // a is now more recent than b
	c.put(key("c."), msg("c."))
	if c.len() != 2 || c.get(key("b.")) != nil || c.get(key("a.")) == nil || c.get(key("c.")) == nil {
		t.Fatalf("after eviction: len %d, b present %v", c.len(), c.get(key("b.")) != nil)
	}
}

func TestUpdateFlushesCache(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up1 := startUpstream(t, host, answerA(300))
			up2 := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up1.addr}})
			ask(t, s, "udp", "u.example", dns.TypeA, nil)
			s.Update([]netip.AddrPort{up1.addr}, HideNone)
			ask(t, s, "udp", "u.example", dns.TypeA, nil)
			if up1.total() != 1 {
				t.Fatalf("unchanged upstreams flushed the cache: %d queries", up1.total())
			}
			s.Update([]netip.AddrPort{up2.addr}, HideNone)
			ask(t, s, "udp", "u.example", dns.TypeA, nil)
			if up2.total() != 1 || up1.total() != 1 {
				t.Fatalf("after switching: old %d, new %d queries; want 1 and 1", up1.total(), up2.total())
			}
		})
	}
}
