package dnsproxy

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
	"golang.org/x/sys/unix"
)

const childEnv = "PALISADE_DNSPROXY_NETNS_CHILD"

// TestDefaultListenInNetns runs the resolver on its real addresses, port 53, in
// a private network namespace. The test binary re-executes itself inside the
// namespace, so every socket (listeners and upstream dials) lives there.
func TestDefaultListenInNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	ns := "palisade-dnsproxy-" + randHex(4)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	run("netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	run("-n", ns, "link", "set", "lo", "up")
	run("-n", ns, "addr", "add", "fe80::80:73:65/128", "dev", "lo")

	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestNetnsChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in %s failed: %v\n%s", ns, err, out)
	}
	t.Logf("child output:\n%s", out)
}

// TestNetnsChild is the part of TestDefaultListenInNetns that runs inside the
// namespace; on its own it skips.
func TestNetnsChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("only runs inside TestDefaultListenInNetns")
	}
	up4 := startUpstream(t, "127.0.0.1", answerA(60))
	up6 := startUpstream(t, "::1", answerA(60))
	s, err := New(Config{
		Listen:    DefaultListen,
		Upstreams: []netip.AddrPort{up4.addr, up6.addr},
		Mark:      0x5041,
		Log:       quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, addr := range DefaultListen {
		for _, network := range []string{"udp", "tcp"} {
			c := &dns.Client{Net: network, Timeout: 5 * time.Second}
			r, _, err := c.Exchange(new(dns.Msg).SetQuestion("netns.example.", dns.TypeA), addr.String())
			if err != nil {
				t.Fatalf("%s %v: %v", network, addr, err)
			}
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
				t.Fatalf("%s %v: rcode %s, %d answers", network, addr, dns.RcodeToString[r.Rcode], len(r.Answer))
			}
		}
	}
	if st := s.Stats(); st.Refused != 0 || st.Queries != 4 {
		t.Fatalf("stats %+v, want 4 queries and none refused", st)
	}
}

// TestMarkControl checks that upstream sockets carry the configured SO_MARK.
func TestMarkControl(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_NET_ADMIN to set SO_MARK")
	}
	for _, host := range families {
		d := net.Dialer{Control: markControl(0x5041)}
		conn, err := d.Dial("udp", netip.AddrPortFrom(netip.MustParseAddr(host), 53).String())
		if err != nil {
			t.Fatal(err)
		}
		raw, err := conn.(*net.UDPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var mark int
		var gerr error
		raw.Control(func(fd uintptr) { mark, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK) })
		conn.Close()
		if gerr != nil || mark != 0x5041 {
			t.Fatalf("%s: mark %#x (%v), want 0x5041", host, mark, gerr)
		}
	}
	if markControl(0) != nil {
		t.Fatal("mark 0 should leave sockets alone")
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
