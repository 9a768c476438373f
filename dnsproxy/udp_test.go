package dnsproxy

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestMalformedUDP sends garbage to the UDP listener: a readable header gets
// FORMERR with its ID, a response or a runt gets nothing, and the resolver
// keeps answering afterwards.
func TestMalformedUDP(t *testing.T) {
	forEachConn(t, func(t *testing.T, host string, withConn func(*Server)) {
		s, conn := resolverConn(t, host, withConn)
		// A reply is waited for generously; the absence of one, briefly.
		exchange := func(pkt []byte, wait time.Duration) []byte {
			if _, err := conn.Write(pkt); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(wait))
			buf := make([]byte, 512)
			n, err := conn.Read(buf)
			if err != nil {
				return nil
			}
			return buf[:n]
		}
		// ID 0xbeef, RD, one question announced but none present.
		if r := exchange([]byte{0xbe, 0xef, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 5*time.Second); len(r) < headerLen || r[0] != 0xbe || r[1] != 0xef || r[3]&0xF != dns.RcodeFormatError || r[2]&0x80 == 0 {
			t.Fatalf("truncated question: got %x, want a FORMERR reply to id beef", r)
		}
		resp := new(dns.Msg).SetQuestion("example.org.", dns.TypeA)
		resp.Response = true
		for name, pkt := range map[string][]byte{"runt": {1, 2, 3, 4, 5}, "response": packed(resp)} {
			if r := exchange(pkt, 300*time.Millisecond); r != nil {
				t.Fatalf("%s: got a reply %x, want none", name, r)
			}
		}
		if r := ask(t, s, "udp", "example.org", dns.TypeA, nil); len(r.Answer) != 1 {
			t.Fatalf("after garbage: %v", r)
		}
	})
}

// TestBurst sends many queries without waiting, so the reader gets full
// batches mixing cache hits (the first half of the names, asked once
// before) and misses, and checks every reply.
func TestBurst(t *testing.T) {
	forEachConn(t, func(t *testing.T, host string, withConn func(*Server)) {
		s, conn := resolverConn(t, host, withConn)
		const names, rounds = 20, 10
		for i := range names / 2 {
			ask(t, s, "udp", fmt.Sprintf("host%d.example", i), dns.TypeA, nil)
		}
		co := &dns.Conn{Conn: conn}
		want := map[uint16]string{}
		for r := range rounds {
			for i := range names {
				q := new(dns.Msg).SetQuestion(fmt.Sprintf("host%d.example.", i), dns.TypeA)
				q.Id = uint16(r*names + i + 1)
				want[q.Id] = q.Question[0].Name
				if err := co.WriteMsg(q); err != nil {
					t.Fatal(err)
				}
			}
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for range names * rounds {
			m, err := co.ReadMsg()
			if err != nil {
				t.Fatalf("%d replies missing: %v", len(want), err)
			}
			name, ok := want[m.Id]
			if !ok || len(m.Answer) != 1 || m.Question[0].Name != name || m.Answer[0].Header().Name != name {
				t.Fatalf("unexpected reply %v", m)
			}
			delete(want, m.Id)
		}
		if st := s.Stats(); st.CacheHits < names/2*rounds || st.Queries != names/2+names*rounds {
			t.Fatalf("stats %+v: want %d queries and at least %d cache hits", st, names/2+names*rounds, names/2*rounds)
		}
	})
}

// forEachConn runs f for both address families, with this platform's
// batching connection and with singleConn, which the other platforms use.
func forEachConn(t *testing.T, f func(t *testing.T, host string, conn func(*Server))) {
	conns := map[string]func(*Server){
		"batched": func(*Server) {},
		"single":  func(s *Server) { s.newConn = func(pc *net.UDPConn) batchConn { return singleConn{pc} } },
	}
	for name, conn := range conns {
		for _, host := range families {
			t.Run(name+"/"+host, func(t *testing.T) { f(t, host, conn) })
		}
	}
}

// resolverConn starts a resolver in front of an answering upstream and
// dials it over UDP; both end with t.
func resolverConn(t *testing.T, host string, withConn func(*Server)) (*Server, net.Conn) {
	up := startUpstream(t, host, answerA(300))
	s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}}, withConn)
	conn, err := net.Dial("udp", s.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return s, conn
}
