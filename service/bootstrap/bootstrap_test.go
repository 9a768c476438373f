package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// server runs a UDP+TCP DNS server on a loopback port with handler h and
// counts the queries it gets.
type server struct {
	addr    netip.AddrPort
	queries atomic.Int32
}

func serve(t *testing.T, h func(q dns.Question, m *dns.Msg)) *server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: netip.MustParseAddrPort(pc.LocalAddr().String())}
	l, err := net.Listen("tcp", s.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		s.queries.Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		h(req.Question[0], m)
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			m.Truncate(dns.MinMsgSize)
		}
		w.WriteMsg(m)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: l, Handler: handler}} {
		go srv.ActivateAndServe()
	}
	// Closing the sockets ends the servers; Shutdown would wait for idle
	// TCP connections.
	t.Cleanup(func() { pc.Close(); l.Close() })
	return s
}

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func records(t *testing.T, zone ...string) func(q dns.Question, m *dns.Msg) {
	return func(q dns.Question, m *dns.Msg) {
		for _, z := range zone {
			r := rr(t, z)
			if r.Header().Rrtype == q.Qtype || r.Header().Rrtype == dns.TypeCNAME {
				m.Answer = append(m.Answer, r)
			}
		}
	}
}

func rcode(code int) func(q dns.Question, m *dns.Msg) {
	return func(q dns.Question, m *dns.Msg) { m.Rcode = code }
}

func TestLookupBothFamiliesAndTTL(t *testing.T) {
	s := serve(t, records(t,
		"vpn.home.test. 300 IN CNAME box.home.test.",
		"box.home.test. 60 IN A 198.51.100.2",
		"box.home.test. 120 IN AAAA 2001:db8:100::2"))
	res, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{s.addr}, "VPN.home.test")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Addr{netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("2001:db8:100::2")}
	if !slices.Equal(res.Addrs, want) || res.TTL != 60*time.Second || res.Server != s.addr {
		t.Errorf("got %+v, want %v with TTL 60s from %v", res, want, s.addr)
	}
}

func TestLookupSingleFamily(t *testing.T) {
	for _, c := range []struct{ rec, want string }{
		{"v.test. 30 IN A 192.0.2.1", "192.0.2.1"},
		{"v.test. 30 IN AAAA 2001:db8::1", "2001:db8::1"},
	} {
		s := serve(t, records(t, c.rec))
		res, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{s.addr}, "v.test")
		if err != nil || len(res.Addrs) != 1 || res.Addrs[0].String() != c.want {
			t.Errorf("%s: %+v, %v", c.rec, res, err)
		}
	}
}

// A large answer comes back truncated over UDP and is asked again over TCP.
func TestLookupTruncatedFallsBackToTCP(t *testing.T) {
	var zone []string
	for i := range 60 {
		zone = append(zone, fmt.Sprintf("big.test. 30 IN A 192.0.2.%d", i+1))
	}
	s := serve(t, records(t, zone...))
	res, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{s.addr}, "big.test")
	if err != nil || len(res.Addrs) != 60 {
		t.Fatalf("got %d addresses, %v; want 60 over TCP", len(res.Addrs), err)
	}
}

// NXDOMAIN from the first server is the answer: the next is not asked.
func TestLookupNotFoundStops(t *testing.T) {
	first := serve(t, rcode(dns.RcodeNameError))
	second := serve(t, records(t, "x.test. 30 IN A 192.0.2.1"))
	_, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{first.addr, second.addr}, "x.test")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.NoAddress || nf.Server != first.addr {
		t.Fatalf("err %v, want NotFoundError from %v", err, first.addr)
	}
	if second.queries.Load() != 0 {
		t.Errorf("second server asked %d times after NXDOMAIN", second.queries.Load())
	}
}

func TestLookupNoAddress(t *testing.T) {
	s := serve(t, records(t, "x.test. 30 IN TXT hello"))
	_, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{s.addr}, "x.test")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.NoAddress {
		t.Fatalf("err %v, want NotFoundError with NoAddress", err)
	}
}

// SERVFAIL, REFUSED and silence pass the question on.
func TestLookupFailsOver(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	servfail := serve(t, rcode(dns.RcodeServerFailure))
	refused := serve(t, rcode(dns.RcodeRefused))
	good := serve(t, records(t, "x.test. 30 IN A 192.0.2.1"))
	servers := []netip.AddrPort{netip.MustParseAddrPort(silent.LocalAddr().String()), servfail.addr, refused.addr, good.addr}
	res, err := (&Resolver{Timeout: 200 * time.Millisecond}).Lookup(context.Background(), servers, "x.test")
	if err != nil || res.Server != good.addr {
		t.Fatalf("got %+v, %v; want the answer of %v", res, err, good.addr)
	}
	_, err = (&Resolver{Timeout: 200 * time.Millisecond}).Lookup(context.Background(), servers[:3], "x.test")
	var nf *NotFoundError
	if err == nil || errors.As(err, &nf) {
		t.Fatalf("all servers failing: err %v", err)
	}
}

func TestLookupBadInput(t *testing.T) {
	if _, err := (&Resolver{}).Lookup(context.Background(), nil, "x.test"); !errors.Is(err, ErrNoServers) {
		t.Errorf("no servers: %v", err)
	}
	s := serve(t, records(t))
	for _, h := range []string{"", "a..b", "bad name with spaces"} {
		if _, err := (&Resolver{}).Lookup(context.Background(), []netip.AddrPort{s.addr}, h); err == nil {
			t.Errorf("%q: no error", h)
		}
	}
	if n := s.queries.Load(); n != 0 {
		t.Errorf("bad names reached the server %d times", n)
	}
}
