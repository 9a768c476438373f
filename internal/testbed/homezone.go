package testbed

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// homeDelay is how long the LAN router's DNS takes to answer HomeName, as
// a home router forwarding to its ISP would; it gives tests a window in
// which the daemon's lookup is in flight. A second, not a few hundred
// milliseconds: the e2e prober must send in that window on a loaded machine.
const homeDelay = time.Second

// Window is a span of time during which the LAN DNS was answering a
// HomeName query.
type Window struct{ Start, End time.Time }

// homeZone is the LAN router's DNS data: HomeName's addresses, which tests
// change while the bed runs, and what the server was asked.
type homeZone struct {
	mu      sync.Mutex
	home    []netip.Addr
	counts  map[string]int
	windows []Window
}

func (z *homeZone) setHome(addrs []netip.Addr) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.home = addrs
}

func (z *homeZone) queries(name string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.counts[strings.ToLower(name)]
}

func (z *homeZone) homeWindows() []Window {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]Window(nil), z.windows...)
}

// answer counts the query and answers HomeName (after homeDelay) and
// ProbeName; every other name does not exist here.
func (z *homeZone) answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	z.mu.Lock()
	if z.counts == nil {
		z.counts = map[string]int{}
	}
	z.counts[name]++
	home := z.home
	z.mu.Unlock()
	var addrs []netip.Addr
	switch name {
	case HomeName:
		start := time.Now()
		time.Sleep(homeDelay)
		z.mu.Lock()
		z.windows = append(z.windows, Window{start, time.Now()})
		z.mu.Unlock()
		addrs = home
	case ProbeName:
		addrs = []netip.Addr{LANIPv4, LANULA}
	default:
		m.Rcode = dns.RcodeNameError
		return m
	}
	for _, a := range addrs {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 60}
		switch {
		case a.Is4() && q.Qtype == dns.TypeA:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IP(a.AsSlice())})
		case a.Is6() && q.Qtype == dns.TypeAAAA:
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(a.AsSlice())})
		}
	}
	return m
}
