package sysdns

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/internal/netnstest"
	"github.com/vishvananda/netlink"
)

// TestLoopbackAddrsInNetns runs AddLoopbackAddrs, a real resolver on both
// addresses, and RemoveLoopbackAddrs inside a private network namespace, so
// nothing touches the host's lo.
func TestLoopbackAddrsInNetns(t *testing.T) {
	netnstest.Rerun(t, "TestLoopbackChild")
}

// TestLoopbackChild is the namespace side of TestLoopbackAddrsInNetns.
func TestLoopbackChild(t *testing.T) {
	netnstest.Child(t)
	if hasLoopbackV6(t) {
		t.Fatal("fresh namespace already has the address")
	}
	if err := AddLoopbackAddrs(); err != nil {
		t.Fatal(err)
	}
	if err := AddLoopbackAddrs(); err != nil {
		t.Fatalf("second add: %v", err)
	}
	if !hasLoopbackV6(t) {
		t.Fatal("address not on lo")
	}

	up := startEcho(t)
	s, err := dnsproxy.New(dnsproxy.Config{Listen: dnsproxy.DefaultListen, Upstreams: []netip.AddrPort{up}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for _, addr := range dnsproxy.DefaultListen {
		c := &dns.Client{Timeout: 5 * time.Second}
		r, _, err := c.Exchange(new(dns.Msg).SetQuestion("sysdns.example.", dns.TypeA), addr.String())
		if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			t.Fatalf("query %v: %v %v", addr, r, err)
		}
	}
	s.Close()

	if err := RemoveLoopbackAddrs(); err != nil {
		t.Fatal(err)
	}
	if err := RemoveLoopbackAddrs(); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if hasLoopbackV6(t) {
		t.Fatal("address still on lo")
	}
}

func hasLoopbackV6(t *testing.T) bool {
	t.Helper()
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := netlink.AddrList(lo, netlink.FAMILY_V6)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if a.IP.Equal(LoopbackIPv6.AsSlice()) {
			return true
		}
	}
	return false
}

// startEcho serves an A record on [::1]:random, the upstream for the child.
func startEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 7)}}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	failed := make(chan error, 1)
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-failed:
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}
