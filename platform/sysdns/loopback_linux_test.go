package sysdns

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/vishvananda/netlink"
)

const childEnv = "PALISADE_SYSDNS_NETNS_CHILD"

// TestLoopbackAddrsInNetns runs AddLoopbackAddrs, a real resolver on both
// addresses, and RemoveLoopbackAddrs inside a private network namespace. The
// test binary re-executes itself there so nothing touches the host's lo.
func TestLoopbackAddrsInNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	b := make([]byte, 4)
	rand.Read(b)
	ns := "palisade-sysdns-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v: %s", err, out)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestLoopbackChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in %s failed: %v\n%s", ns, err, out)
	}
	t.Logf("child output:\n%s", out)
}

// TestLoopbackChild is the namespace side of TestLoopbackAddrsInNetns.
func TestLoopbackChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("only runs inside TestLoopbackAddrsInNetns")
	}
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
