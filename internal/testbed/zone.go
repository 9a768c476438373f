package testbed

import (
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// answer builds the reply of the bed's DNS servers. tunnel selects the
// server-side zone, which alone knows TunnelName; src is the querier's address
// as the server saw it.
func answer(req *dns.Msg, src netip.Addr, tunnel bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	var v4, v6 []netip.Addr
	switch {
	case name == ExampleName:
		v4, v6 = []netip.Addr{ExampleIPv4}, []netip.Addr{ExampleIPv6}
	case name == V4OnlyName:
		v4 = []netip.Addr{ExampleIPv4}
	case name == V6OnlyName:
		v6 = []netip.Addr{ExampleIPv6}
	case name == BigName:
		for i := range BigRecords {
			v4 = append(v4, netip.AddrFrom4([4]byte{203, 0, 113, byte(100 + i)}))
		}
	case name == Server4Name:
		v4 = []netip.Addr{ServerIPv4}
	case name == DiscoveryName:
		v4 = []netip.Addr{netip.AddrFrom4([4]byte{192, 0, 0, 170}), netip.AddrFrom4([4]byte{192, 0, 0, 171})}
	case name == IPName:
		v4, v6 = []netip.Addr{InternetIPv4}, []netip.Addr{InternetIPv6}
	case name == TunnelName && tunnel:
		v4, v6 = []netip.Addr{TunnelNameIPv4}, []netip.Addr{TunnelNameIPv6}
	case name == WhoamiName:
		if q.Qtype == dns.TypeTXT {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: []string{src.Unmap().String()}})
		}
		return m
	default:
		m.Rcode = dns.RcodeNameError
		return m
	}
	switch q.Qtype {
	case dns.TypeA:
		for _, a := range v4 {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: net.IP(a.AsSlice())})
		}
	case dns.TypeAAAA:
		for _, a := range v6 {
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.IP(a.AsSlice())})
		}
	}
	return m
}

// DNSHandler serves the bed's names (the tunnel server's set when tunnel)
// over UDP and TCP, truncating UDP replies to what
// the querier can take so BigName exercises TCP fallback.
func DNSHandler(tunnel bool) dns.HandlerFunc { return handler(tunnel, false) }

// handler is DNSHandler; with dns64 it answers like a DNS64 resolver under
// NAT64Prefix (Options.TunnelDNS64).
func handler(tunnel, dns64 bool) dns.HandlerFunc {
	return func(w dns.ResponseWriter, req *dns.Msg) {
		var src netip.Addr
		if ap, err := netip.ParseAddrPort(w.RemoteAddr().String()); err == nil {
			src = ap.Addr()
		}
		m := answer(req, src, tunnel)
		if dns64 {
			synthesize(req, m, src, tunnel)
		}
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			size := dns.MinMsgSize
			if opt := req.IsEdns0(); opt != nil {
				size = int(opt.UDPSize())
			}
			m.Truncate(size)
		}
		w.WriteMsg(m)
	}
}

// synthesize adds AAAA records under NAT64Prefix to an empty AAAA answer
// for a name with A records, as DNS64 (RFC 6147) does.
func synthesize(req, m *dns.Msg, src netip.Addr, tunnel bool) {
	if len(req.Question) != 1 || req.Question[0].Qtype != dns.TypeAAAA || m.Rcode != dns.RcodeSuccess || len(m.Answer) > 0 {
		return
	}
	a := req.Copy()
	a.Question[0].Qtype = dns.TypeA
	for _, rr := range answer(a, src, tunnel).Answer {
		if r, ok := rr.(*dns.A); ok {
			v4, _ := netip.AddrFromSlice(r.A.To4())
			hdr := r.Hdr
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(Synthesized(v4).AsSlice())})
		}
	}
}

// Synthesized returns the address a client behind the bed's NAT64 uses
// for an IPv4 host: a embedded in NAT64Prefix (RFC 6052, /96).
func Synthesized(a netip.Addr) netip.Addr {
	b := NAT64Prefix.Addr().As16()
	v4 := a.As4()
	copy(b[12:], v4[:])
	return netip.AddrFrom16(b)
}
