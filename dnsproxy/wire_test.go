package dnsproxy

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fastServer is a server with the echoing in-memory upstream and a clock
// the test moves.
func fastServer(t testing.TB) (*Server, *time.Time) {
	s, err := New(Config{
		Listen:    DefaultListen,
		Upstreams: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")},
		CacheSize: 64,
		Log:       quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.exchange = echoExchange
	now := time.Unix(1_800_000_000, 0)
	s.cache = newCache(64, func() time.Time { return now })
	return s, &now
}

var loopback4 = netip.MustParseAddr("127.0.0.1")

// localSources are the client addresses of each family the resolver
// serves: IPv4 loopback, IPv6 loopback, and link-local on loopback (how a
// client reaches fe80::80:73:65%lo).
var localSources = []netip.Addr{loopback4, netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1%" + loopbackZone)}

// fullReply is what the full path sends for the packet: unpack, answer,
// pack, unpack (so both sides went through the wire).
func fullReply(t testing.TB, s *Server, pkt []byte, src netip.Addr) *dns.Msg {
	req := new(dns.Msg)
	if err := req.Unpack(pkt); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	m := new(dns.Msg)
	if err := m.Unpack(packed(s.answer(t.Context(), req, src, true))); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameReply compares two replies as a client would: names are
// case-insensitive, everything else must match.
func sameReply(a, b *dns.Msg) bool {
	return strings.EqualFold(a.String(), b.String())
}

func query(name string, qtype uint16, edit func(*dns.Msg)) []byte {
	m := new(dns.Msg).SetQuestion(name, qtype)
	m.Id = 0x1234
	if edit != nil {
		edit(m)
	}
	return packed(m)
}

func TestFastPathMatchesFullPath(t *testing.T) {
	cases := []struct {
		name   string
		pkt    []byte
		filter Hide
	}{
		{"A, no EDNS", query("example.org.", dns.TypeA, nil), HideNone},
		{"RD clear", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.RecursionDesired = false }), HideNone},
		{"EDNS", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(4096, false) }), HideNone},
		{"EDNS with DO", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(1232, true) }), HideNone},
		{"EDNS with a cookie", query("example.org.", dns.TypeA, func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
		}), HideNone},
		{"AAAA", query("example.org.", dns.TypeAAAA, nil), HideNone},
		{"HTTPS, filtered", query("example.org.", dns.TypeHTTPS, nil), HideIPv6},
		{"A, filtered", query("under_score.example.", dns.TypeA, nil), HideIPv6},
		{"AAAA, A hidden", query("example.org.", dns.TypeAAAA, nil), HideIPv4},
		{"HTTPS, A hidden", query("example.org.", dns.TypeHTTPS, nil), HideIPv4},
		{"CD set", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.CheckingDisabled = true }), HideNone},
		{"EDNS with padding", query("example.org.", dns.TypeA, func(m *dns.Msg) {
			m.SetEdns0(1232, true)
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_PADDING{Padding: make([]byte, 37)})
		}), HideNone},
	}
	for _, c := range cases {
		for _, src := range localSources {
			t.Run(c.name+"/"+src.String(), func(t *testing.T) {
				fastMatchesFull(t, c.pkt, src, c.filter)
			})
		}
	}
}

// fastMatchesFull caches the answer to pkt, then checks that the fast path
// answers it as the full path does, fresh and aged.
func fastMatchesFull(t *testing.T, pkt []byte, src netip.Addr, filter Hide) {
	s, now := fastServer(t)
	s.Update(s.upstreams, filter)
	if _, ok := s.fastAnswer(pkt, src, nil); ok {
		t.Fatal("fast path answered before anything was cached")
	}
	fullReply(t, s, pkt, src)                                                     // fills the cache
	for _, wait := range []time.Duration{0, 17 * time.Second, 42 * time.Second} { // 59 s in all, TTL 60
		*now = now.Add(wait)
		out, ok := s.fastAnswer(pkt, src, nil)
		if !ok {
			t.Fatalf("after %s: fast path declined a cache hit", wait)
		}
		fast := new(dns.Msg)
		if err := fast.Unpack(out); err != nil {
			t.Fatalf("fast reply does not parse: %v", err)
		}
		if full := fullReply(t, s, pkt, src); !sameReply(fast, full) {
			t.Fatalf("after %s:\nfast:\n%v\nfull:\n%v", wait, fast, full)
		}
	}
}

func TestFastPathDeclines(t *testing.T) {
	plainA := query("example.org.", dns.TypeA, nil)
	withOPT := func(edit func(*dns.OPT)) []byte {
		return query("example.org.", dns.TypeA, func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			edit(m.IsEdns0())
		})
	}
	cases := []struct {
		name   string
		pkt    []byte
		src    netip.Addr
		filter Hide
		// warm is a plain query with the same cache key, which the fast path
		// must answer first, so that a decline is the fast path's own
		// decision and not an empty cache. Nil where no such query exists.
		warm []byte
	}{
		{"AAAA while filtering", query("example.org.", dns.TypeAAAA, nil), loopback4, HideIPv6, query("example.org.", dns.TypeAAAA, nil)},
		{"A while hiding IPv4", query("example.org.", dns.TypeA, nil), loopback4, HideIPv4, query("example.org.", dns.TypeA, nil)},
		{"client off the host", plainA, netip.MustParseAddr("192.0.2.7"), HideNone, plainA},
		{"IPv6 client off the host", plainA, netip.MustParseAddr("2001:db8::7"), HideNone, plainA},
		{"link-local client on another link", plainA, netip.MustParseAddr("fe80::7%999999"), HideNone, plainA},
		{"escaped name", query(`a\.b.example.`, dns.TypeA, nil), loopback4, HideNone, nil},
		// miekg/dns compresses names case-sensitively, so the full path's
		// reply to a mixed-case question may differ in size.
		{"mixed case (0x20)", query("ExAmPle.ORG.", dns.TypeA, nil), loopback4, HideNone, plainA},
		{"client subnet option", withOPT(func(o *dns.OPT) {
			o.Option = append(o.Option, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(192, 0, 2, 0)})
		}), loopback4, HideNone, withOPT(func(*dns.OPT) {})},
		// An option that overruns the OPT record, which the full path
		// answers with FORMERR.
		{"option past the OPT record", truncatedOption(), loopback4, HideNone, withOPT(func(*dns.OPT) {})},
		{"EDNS version 1", withOPT(func(o *dns.OPT) { o.SetVersion(1) }), loopback4, HideNone, withOPT(func(*dns.OPT) {})},
		{"a response", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.Response = true }), loopback4, HideNone, plainA},
		{"not QUERY", query("example.org.", dns.TypeA, func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }), loopback4, HideNone, plainA},
		{"two questions", query("example.org.", dns.TypeA, func(m *dns.Msg) {
			m.Question = append(m.Question, dns.Question{Name: "example.net.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
		}), loopback4, HideNone, plainA},
		// bigExchange's 40 records do not fit 512 bytes: the full path
		// truncates. With a large EDNS size they do.
		{"too big without EDNS", query("many.big.", dns.TypeA, nil), loopback4, HideNone,
			query("many.big.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(4096, false) })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := fastServer(t)
			s.exchange = bigExchange
			warm := c.warm
			if warm == nil {
				warm = c.pkt
			}
			fullReply(t, s, warm, loopback4) // fills the cache
			if _, ok := s.fastAnswer(warm, loopback4, nil); !ok && c.warm != nil {
				t.Fatal("fast path declined the plain query, so the case proves nothing")
			}
			s.Update(s.upstreams, c.filter)
			if out, ok := s.fastAnswer(c.pkt, c.src, nil); ok {
				reply := new(dns.Msg)
				reply.Unpack(out)
				t.Fatalf("fast path answered:\n%v", reply)
			}
		})
	}
}

// truncatedOption is a query whose OPT record holds a cookie option header
// announcing more bytes than the record has.
func truncatedOption() []byte {
	b := query("example.org.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(1232, false) })
	b[len(b)-1] = 6 // RDLENGTH
	return append(b, 0, byte(dns.EDNS0COOKIE), 0, 8, 1, 2)
}

// bigExchange answers names ending in "big." with 40 A records (too many
// for 512 bytes) and everything else as echoExchange does.
func bigExchange(ctx context.Context, q *dns.Msg, network string, up netip.AddrPort) (*dns.Msg, error) {
	name := q.Question[0].Name
	if !strings.HasSuffix(name, "big.") {
		return echoExchange(ctx, q, network, up)
	}
	m := new(dns.Msg).SetReply(q)
	for i := range 40 {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, byte(i))})
	}
	return m, nil
}

func TestFastPathExpiry(t *testing.T) {
	s, now := fastServer(t)
	pkt := query("example.org.", dns.TypeA, nil)
	fullReply(t, s, pkt, loopback4)
	if _, ok := s.fastAnswer(pkt, loopback4, nil); !ok {
		t.Fatal("no fast answer for a fresh entry")
	}
	*now = now.Add(60 * time.Second) // echoExchange's TTL
	if _, ok := s.fastAnswer(pkt, loopback4, nil); ok {
		t.Fatal("fast path answered from an expired entry")
	}
}

func TestFastPathNoAllocations(t *testing.T) {
	s, _ := fastServer(t)
	pkt := query("example.org.", dns.TypeA, func(m *dns.Msg) { m.SetEdns0(1232, false) })
	fullReply(t, s, pkt, loopback4)
	out := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := s.fastAnswer(pkt, loopback4, out); !ok {
			t.Fatal("fast path declined")
		}
	})
	// The cache key's name string is the one allocation.
	if allocs > 1 {
		t.Fatalf("%v allocations per cached answer, want at most 1", allocs)
	}
}

// FuzzFastPath checks that whatever the fast path answers, the full path
// answers the same.
func FuzzFastPath(f *testing.F) {
	f.Add(query("example.org.", dns.TypeA, nil))
	f.Add(query("Example.ORG.", dns.TypeHTTPS, func(m *dns.Msg) { m.SetEdns0(1232, true) }))
	f.Add(query(".", dns.TypeNS, func(m *dns.Msg) { m.SetEdns0(512, false) }))
	f.Add(query("example.org.", dns.TypeA, func(m *dns.Msg) {
		m.SetEdns0(1232, false)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
	}))
	s, _ := fastServer(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		s.Update(s.upstreams, Hide(len(pkt)%3))
		// Fill the cache from what the fast path reads, so packets the full
		// path cannot parse still meet a cached answer.
		if q, ok := parseQuery(pkt); ok {
			req := new(dns.Msg).SetQuestion(q.key.name, q.key.qtype)
			req.Question[0].Qclass, req.CheckingDisabled = q.key.class, q.key.cd
			req.SetEdns0(1232, q.key.do)
			s.answer(t.Context(), req, loopback4, false)
		}
		out, ok := s.fastAnswer(pkt, loopback4, nil)
		if !ok {
			return
		}
		fast := new(dns.Msg)
		if err := fast.Unpack(out); err != nil {
			t.Fatalf("fast reply does not parse: %v", err)
		}
		if full := fullReply(t, s, pkt, loopback4); !sameReply(fast, full) {
			t.Fatalf("fast:\n%v\nfull:\n%v", fast, full)
		}
	})
}
