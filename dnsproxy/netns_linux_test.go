package dnsproxy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/netnstest"
)

// TestDefaultListenInNetns runs the resolver on its real addresses, port 53, in
// a private network namespace, so every socket (listeners and upstream dials)
// lives there.
func TestDefaultListenInNetns(t *testing.T) {
	netnstest.Rerun(t, "TestNetnsChild", []string{"addr", "add", "fe80::80:73:65/128", "dev", "lo", "nodad"})
}

// TestNetnsChild is the part of TestDefaultListenInNetns that runs inside the
// namespace; on its own it skips.
func TestNetnsChild(t *testing.T) {
	netnstest.Child(t)
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
