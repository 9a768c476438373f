package dnsproxy

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var quiet = slog.New(slog.DiscardHandler)

// families are the loopback addresses every network test runs on.
var families = []string{"127.0.0.1", "::1"}

// upstream is an in-process DNS server on loopback for tests.
type upstream struct {
	addr    netip.AddrPort
	udpSeen atomic.Int32
	tcpSeen atomic.Int32
	mu      sync.Mutex
	last    *dns.Msg
}

func (u *upstream) lastQuery() *dns.Msg {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

func (u *upstream) total() int { return int(u.udpSeen.Load() + u.tcpSeen.Load()) }

// startUpstream serves h on UDP and TCP of one loopback port, counting queries
// per transport.
func startUpstream(t testing.TB, host string, h func(w dns.ResponseWriter, r *dns.Msg)) *upstream {
	t.Helper()
	pc, ln, err := listenPair(netip.AddrPortFrom(netip.MustParseAddr(host), 0))
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	wrapped := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if _, ok := w.LocalAddr().(*net.TCPAddr); ok {
			u.tcpSeen.Add(1)
		} else {
			u.udpSeen.Add(1)
		}
		u.mu.Lock()
		u.last = r.Copy()
		u.mu.Unlock()
		h(w, r)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: wrapped}, {Listener: ln, Handler: wrapped}} {
		if err := serve(srv); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Shutdown() })
	}
	return u
}

// answerA replies with one A record (or AAAA for AAAA questions) of the given TTL.
func answerA(ttl uint32) func(w dns.ResponseWriter, r *dns.Msg) {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		q := r.Question[0]
		hdr := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: ttl}
		switch q.Qtype {
		case dns.TypeAAAA:
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP("2001:db8::1")})
		case dns.TypeANY:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP("192.0.2.1")})
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP("2001:db8::1")})
		default:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP("192.0.2.1")})
		}
		w.WriteMsg(m)
	}
}

// deadAddr returns a loopback port nothing listens on (ICMP port unreachable).
func deadAddr(t *testing.T, host string) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(host), 0)))
	if err != nil {
		t.Fatal(err)
	}
	a := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	return a
}

// silentAddr returns a loopback UDP port that receives queries and never
// answers, like a black-holed upstream.
func silentAddr(t *testing.T, host string) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(host), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// startResolver runs a Server on a random loopback port of host's family;
// prepare adjusts it before it starts serving.
func startResolver(t *testing.T, host string, cfg Config, prepare ...func(*Server)) *Server {
	t.Helper()
	cfg.Listen = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr(host), 0)}
	if cfg.Timeout == 0 {
		cfg.Timeout = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = quiet
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prepare {
		p(s)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// ask sends a query for name/qtype to s over network and returns the reply.
func ask(t *testing.T, s *Server, network, name string, qtype uint16, edns func(*dns.Msg)) *dns.Msg {
	t.Helper()
	q := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	if edns != nil {
		edns(q)
	}
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(q, s.Addrs()[0].String())
	if err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
	if r.Id != q.Id {
		t.Fatalf("reply ID %d, want %d", r.Id, q.Id)
	}
	return r
}

// fakeClock is an injectable time source for cache tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) install(s *Server) { s.cache.now = c.Now }

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
