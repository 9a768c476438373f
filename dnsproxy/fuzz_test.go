package dnsproxy

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// FuzzHandle feeds arbitrary packets to the request handler. The upstream is
// replaced by an in-memory responder that echoes the question with A, AAAA and
// HTTPS records, so the cache, filter and truncation paths all see fuzzed names
// and options. The handler must not panic and its reply must pack.
func FuzzHandle(f *testing.F) {
	f.Add(packed(new(dns.Msg).SetQuestion("example.org.", dns.TypeA)))
	f.Add(packed(new(dns.Msg).SetQuestion("example.org.", dns.TypeAAAA).SetEdns0(4096, true)))
	s, _ := fastServer(f)
	src := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fe80::80:73:65%lo"), netip.MustParseAddr("192.0.2.9")}
	f.Fuzz(func(t *testing.T, data []byte) {
		req := new(dns.Msg)
		if req.Unpack(data) != nil {
			return
		}
		n := len(data)
		s.Update(s.upstreams, Hide(n%3))
		resp := s.answer(context.Background(), req, src[n%len(src)], n%3 != 0)
		if resp.Id != req.Id || !resp.Response {
			t.Fatalf("reply id %d response %v for id %d", resp.Id, resp.Response, req.Id)
		}
		if _, err := resp.Pack(); err != nil {
			t.Fatalf("reply does not pack: %v\n%v", err, resp)
		}
	})
}

func echoExchange(_ context.Context, q *dns.Msg, network string, _ netip.AddrPort) (*dns.Msg, error) {
	m := new(dns.Msg).SetReply(q)
	name := q.Question[0].Name
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	m.Answer = []dns.RR{
		&dns.A{Hdr: hdr(dns.TypeA), A: net.IPv4(192, 0, 2, 1)},
		&dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.ParseIP("2001:db8::1")},
		&dns.HTTPS{SVCB: dns.SVCB{Hdr: hdr(dns.TypeHTTPS), Priority: 1, Target: ".", Value: []dns.SVCBKeyValue{
			&dns.SVCBIPv6Hint{Hint: []net.IP{net.ParseIP("2001:db8::1")}},
		}}},
	}
	m.Truncated = network == "udp" && len(name)%2 == 0
	return m, nil
}

func packed(m *dns.Msg) []byte {
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}
