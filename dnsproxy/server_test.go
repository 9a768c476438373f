package dnsproxy

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestForward(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}})
			for _, network := range []string{"udp", "tcp"} {
				r := ask(t, s, network, "example.org", dns.TypeA, nil)
				if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
					t.Fatalf("%s: got %v", network, r)
				}
				if a, ok := r.Answer[0].(*dns.A); !ok || !a.A.Equal(net.ParseIP("192.0.2.1")) {
					t.Fatalf("%s: answer %v", network, r.Answer[0])
				}
				if !r.RecursionAvailable {
					t.Errorf("%s: RA not set", network)
				}
			}
			if q := up.lastQuery(); q == nil || q.Question[0].Name != "example.org." {
				t.Fatalf("upstream saw %v", q)
			}
		})
	}
}

// bigTXT answers with enough TXT data to exceed 1232 bytes, setting TC over
// UDP when the query's payload size is too small, as a real server would.
func bigTXT(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg).SetReply(r)
	for i := range 40 {
		m.Answer = append(m.Answer, &dns.TXT{
			Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
			Txt: []string{fmt.Sprintf("%02d-%s", i, strings.Repeat("x", 40))},
		})
	}
	if _, udp := w.LocalAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// wireLen is the size m had on the wire, where names were compressed.
func wireLen(m *dns.Msg) int {
	m.Compress = true
	return m.Len()
}

func TestTruncatedUpstreamRetriedOverTCP(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, bigTXT)
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}})
			r := ask(t, s, "tcp", "big.example", dns.TypeTXT, nil)
			if len(r.Answer) != 40 || r.Truncated {
				t.Fatalf("got %d records, TC=%v", len(r.Answer), r.Truncated)
			}
			if up.udpSeen.Load() != 1 || up.tcpSeen.Load() != 1 {
				t.Fatalf("upstream saw udp=%d tcp=%d, want 1 and 1", up.udpSeen.Load(), up.tcpSeen.Load())
			}
		})
	}
}

func TestEDNS(t *testing.T) {
	local := &dns.EDNS0_LOCAL{Code: dns.EDNS0LOCALSTART, Data: []byte("palisade")}
	cookie := &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0123456789abcdef"}
	withEDNS := func(size uint16, do bool) func(*dns.Msg) {
		return func(m *dns.Msg) {
			m.SetEdns0(size, do)
			opt := m.IsEdns0()
			opt.Option = append(opt.Option, local, cookie)
		}
	}
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, bigTXT)
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}})

			r := ask(t, s, "udp", "big.example", dns.TypeTXT, withEDNS(4096, true))
			if r.Truncated || len(r.Answer) != 40 {
				t.Fatalf("EDNS 4096 client: TC=%v, %d records", r.Truncated, len(r.Answer))
			}
			opt := r.IsEdns0()
			if opt == nil || opt.UDPSize() != ednsSize || !opt.Do() {
				t.Fatalf("reply OPT %v, want size %d with DO", opt, ednsSize)
			}
			uo := up.lastQuery().IsEdns0()
			if uo == nil || uo.UDPSize() != ednsSize || !uo.Do() {
				t.Fatalf("upstream OPT %v, want size %d with DO", uo, ednsSize)
			}
			var sawLocal, sawCookie bool
			for _, o := range uo.Option {
				sawLocal = sawLocal || o.Option() == dns.EDNS0LOCALSTART
				sawCookie = sawCookie || o.Option() == dns.EDNS0COOKIE
			}
			if !sawLocal || sawCookie {
				t.Fatalf("upstream options local=%v cookie=%v, want passthrough without cookie", sawLocal, sawCookie)
			}

			// The same answer, now cached, must be truncated for a client that
			// cannot take it over UDP, and sent whole over TCP.
			for _, size := range []uint16{512, 1232} {
				r = ask(t, s, "udp", "big.example", dns.TypeTXT, withEDNS(size, true))
				if !r.Truncated || wireLen(r) > int(size) {
					t.Fatalf("EDNS %d client: TC=%v len=%d", size, r.Truncated, wireLen(r))
				}
			}
			r = ask(t, s, "tcp", "big.example", dns.TypeTXT, withEDNS(512, true))
			if r.Truncated || len(r.Answer) != 40 {
				t.Fatalf("TCP client: TC=%v, %d records", r.Truncated, len(r.Answer))
			}
			if s.Stats().CacheHits != 3 {
				t.Fatalf("cache hits %d, want 3", s.Stats().CacheHits)
			}
		})
	}
}

func TestNoEDNSClientGetsNoOPT(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, bigTXT)
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}})
			r := ask(t, s, "udp", "big.example", dns.TypeTXT, nil)
			if r.IsEdns0() != nil {
				t.Fatal("reply has OPT though the query had none")
			}
			if !r.Truncated || wireLen(r) > dns.MinMsgSize {
				t.Fatalf("TC=%v len=%d, want truncation to 512", r.Truncated, wireLen(r))
			}
		})
	}
}

func TestFailover(t *testing.T) {
	for _, host := range families {
		for name, first := range map[string]func(*testing.T, string) netip.AddrPort{"dead": deadAddr, "silent": silentAddr} {
			t.Run(host+"/"+name, func(t *testing.T) {
				up := startUpstream(t, host, answerA(300))
				// The working upstream must answer within Timeout, or it
				// counts as a second failure: 2 s, not 300 ms, on a loaded
				// machine under -race.
				s := startResolver(t, host, Config{
					Upstreams: []netip.AddrPort{first(t, host), up.addr},
					Timeout:   2 * time.Second,
				})
				r := ask(t, s, "udp", "a.example", dns.TypeA, nil)
				if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
					t.Fatalf("got %v", r)
				}
				if st := s.Stats(); st.UpstreamFailures != 1 {
					t.Fatalf("upstream failures %d, want 1", st.UpstreamFailures)
				}
				// The working upstream is now preferred: no new failure.
				ask(t, s, "udp", "b.example", dns.TypeA, nil)
				if st := s.Stats(); st.UpstreamFailures != 1 || up.total() != 2 {
					t.Fatalf("failures %d, upstream queries %d; want 1 and 2", st.UpstreamFailures, up.total())
				}
			})
		}
	}
}

func TestFailoverOnServfail(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			bad := startUpstream(t, host, func(w dns.ResponseWriter, r *dns.Msg) {
				w.WriteMsg(new(dns.Msg).SetRcode(r, dns.RcodeServerFailure))
			})
			good := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{bad.addr, good.addr}})
			r := ask(t, s, "udp", "a.example", dns.TypeA, nil)
			if r.Rcode != dns.RcodeSuccess || bad.total() != 1 || good.total() != 1 {
				t.Fatalf("rcode %s, bad %d, good %d", dns.RcodeToString[r.Rcode], bad.total(), good.total())
			}
		})
	}
}

func TestServfailWhenAllFail(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			s := startResolver(t, host, Config{
				Upstreams: []netip.AddrPort{deadAddr(t, host), silentAddr(t, host)},
				Timeout:   200 * time.Millisecond,
			})
			for _, network := range []string{"udp", "tcp"} {
				r := ask(t, s, network, "x.example", dns.TypeA, nil)
				if r.Rcode != dns.RcodeServerFailure {
					t.Fatalf("%s: rcode %s, want SERVFAIL", network, dns.RcodeToString[r.Rcode])
				}
			}
			if st := s.Stats(); st.ServFails != 2 || st.UpstreamFailures != 4 {
				t.Fatalf("stats %+v, want 2 servfails and 4 upstream failures", st)
			}
		})
	}
}

func TestFilterAAAA(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}, Hide: HideIPv6})

			r := ask(t, s, "udp", "v6.example", dns.TypeAAAA, nil)
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || up.total() != 0 {
				t.Fatalf("AAAA: rcode %s, %d answers, upstream asked %d times", dns.RcodeToString[r.Rcode], len(r.Answer), up.total())
			}
			r = ask(t, s, "tcp", "any.example", dns.TypeANY, nil)
			if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeA {
				t.Fatalf("ANY: %v, want only the A record", r.Answer)
			}

			s.Update([]netip.AddrPort{up.addr}, HideNone)
			r = ask(t, s, "udp", "v6.example", dns.TypeAAAA, nil)
			if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeAAAA {
				t.Fatalf("unfiltered AAAA: %v", r.Answer)
			}
			r = ask(t, s, "udp", "any.example", dns.TypeANY, nil)
			if len(r.Answer) != 2 {
				t.Fatalf("unfiltered ANY (cached): %v, want A and AAAA", r.Answer)
			}
		})
	}
}

// Beside a tunnel without IPv4 the resolver hides IPv4 the same way:
// A questions get an empty NOERROR without asking upstream, A records
// leave ANY answers, and AAAA still resolves.
func TestHideIPv4(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			up := startUpstream(t, host, answerA(300))
			s := startResolver(t, host, Config{Upstreams: []netip.AddrPort{up.addr}, Hide: HideIPv4})
			r := ask(t, s, "udp", "v4.example", dns.TypeA, nil)
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || up.total() != 0 {
				t.Fatalf("A: rcode %s, %d answers, upstream asked %d times", dns.RcodeToString[r.Rcode], len(r.Answer), up.total())
			}
			r = ask(t, s, "udp", "v6.example", dns.TypeAAAA, nil)
			if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeAAAA {
				t.Fatalf("AAAA while hiding IPv4: %v", r.Answer)
			}
			r = ask(t, s, "tcp", "any.example", dns.TypeANY, nil)
			if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeAAAA {
				t.Fatalf("ANY: %v, want only the AAAA record", r.Answer)
			}
			s.Update([]netip.AddrPort{up.addr}, HideNone)
			if r = ask(t, s, "udp", "v4.example", dns.TypeA, nil); len(r.Answer) != 1 {
				t.Fatalf("A after the filter is lifted: %v", r.Answer)
			}
		})
	}
}

// Hiding a family strips its records from glue and its address hints
// from HTTPS records, and keeps the other family's.
func TestStripHints(t *testing.T) {
	for _, tc := range []struct {
		hide Hide
		glue dns.RR
		keep dns.SVCBKey
	}{
		{HideIPv6, &dns.AAAA{Hdr: dns.RR_Header{Name: "ns.example.", Rrtype: dns.TypeAAAA, Class: dns.ClassINET}, AAAA: net.ParseIP("2001:db8::53")}, dns.SVCB_IPV4HINT},
		{HideIPv4, &dns.A{Hdr: dns.RR_Header{Name: "ns.example.", Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.ParseIP("192.0.2.53")}, dns.SVCB_IPV6HINT},
	} {
		h := &dns.HTTPS{SVCB: dns.SVCB{
			Hdr:      dns.RR_Header{Name: "h.example.", Rrtype: dns.TypeHTTPS, Class: dns.ClassINET, Ttl: 60},
			Priority: 1, Target: ".",
			Value: []dns.SVCBKeyValue{
				&dns.SVCBIPv4Hint{Hint: []net.IP{net.ParseIP("192.0.2.1")}},
				&dns.SVCBIPv6Hint{Hint: []net.IP{net.ParseIP("2001:db8::1")}},
			},
		}}
		m := &dns.Msg{Answer: []dns.RR{h}, Extra: []dns.RR{tc.glue}}
		tc.hide.strip(m)
		if len(m.Extra) != 0 {
			t.Errorf("hide %s: glue kept: %v", tc.hide, m.Extra)
		}
		if len(h.Value) != 1 || h.Value[0].Key() != tc.keep {
			t.Errorf("hide %s: HTTPS values %v, want only %v", tc.hide, h.Value, tc.keep)
		}
	}
}

func TestRefuseNonLocalClient(t *testing.T) {
	s, err := New(Config{Log: quiet, Listen: DefaultListen, Upstreams: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")}})
	if err != nil {
		t.Fatal(err)
	}
	req := new(dns.Msg).SetQuestion("example.org.", dns.TypeA)
	for _, src := range []string{"192.168.1.20", "2001:db8::20", "fe80::1%eth0"} {
		r := s.answer(t.Context(), req, netip.MustParseAddr(src), true)
		if r.Rcode != dns.RcodeRefused {
			t.Errorf("%s: rcode %s, want REFUSED", src, dns.RcodeToString[r.Rcode])
		}
	}
	if st := s.Stats(); st.Refused != 3 || st.Queries != 3 || st.UpstreamFailures != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestStartFailureClosesListeners(t *testing.T) {
	for _, host := range families {
		t.Run(host, func(t *testing.T) {
			free := deadAddr(t, host)
			busy, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(host), 0)))
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			s, err := New(Config{
				Listen:    []netip.AddrPort{free, busy.Addr().(*net.TCPAddr).AddrPort()},
				Upstreams: []netip.AddrPort{deadAddr(t, host)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err == nil {
				s.Close()
				t.Fatal("Start succeeded with a busy port")
			}
			pc, ln, err := listenPair(free)
			if err != nil {
				t.Fatalf("first listener not released: %v", err)
			}
			pc.Close()
			ln.Close()
		})
	}
}

func TestNewValidates(t *testing.T) {
	ok := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	up := []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::53]:53")}
	bad := []Config{
		{Upstreams: up},
		{Listen: ok},
		{Listen: ok, Upstreams: []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:53")}},
		{Listen: ok, Upstreams: []netip.AddrPort{netip.MustParseAddrPort("[::]:53")}},
		{Listen: ok, Upstreams: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:0")}},
		{Listen: ok, Upstreams: up, CacheSize: -1},
	}
	for i, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %d accepted: %+v", i, cfg)
		}
	}
	if _, err := New(Config{Listen: ok, Upstreams: up}); err != nil {
		t.Fatal(err)
	}
}
