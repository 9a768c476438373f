package dnsproxy

import (
	"context"
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// ServeDNS implements dns.Handler for the TCP listeners; UDP is served by
// serveUDP.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	var src netip.Addr
	if a, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		src = a.AddrPort().Addr()
	}
	resp := s.answer(context.Background(), req, src, false)
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("dnsproxy: write failed", "client", w.RemoteAddr(), "err", err)
		fail := new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
		w.WriteMsg(fail)
	}
}

// answer computes the response to req from client src. udp selects truncation
// to the client's advertised payload size.
func (s *Server) answer(ctx context.Context, req *dns.Msg, src netip.Addr, udp bool) *dns.Msg {
	s.queries.Add(1)
	if !localClient(src, s.loZones) {
		s.refused.Add(1)
		return reply(req, dns.RcodeRefused)
	}
	if req.Response || len(req.Question) != 1 {
		return reply(req, dns.RcodeFormatError)
	}
	if req.Opcode != dns.OpcodeQuery {
		return reply(req, dns.RcodeNotImplemented)
	}
	reqOpt := req.IsEdns0()
	if reqOpt != nil && reqOpt.Version() != 0 {
		resp := reply(req, dns.RcodeBadVers)
		resp.SetEdns0(ednsSize, false)
		return resp
	}
	q := req.Question[0]
	upstreams, hide := s.settings()
	var resp *dns.Msg
	if hide != HideNone && q.Qtype == hide.qtype() {
		// An empty NOERROR (NODATA) says "this name has no address of that
		// family", which makes clients use the other one at once instead of
		// timing out on a blocked path.
		resp = reply(req, dns.RcodeSuccess)
	} else {
		resp = s.resolve(ctx, req, upstreams)
		hide.strip(resp)
	}
	return finish(req, resp, udp)
}

// resolve answers from the cache or the upstreams. The returned message is the
// caller's to modify.
func (s *Server) resolve(ctx context.Context, req *dns.Msg, upstreams []netip.AddrPort) *dns.Msg {
	do := false
	if opt := req.IsEdns0(); opt != nil {
		do = opt.Do()
	}
	key := keyFor(req.Question[0], do, req.CheckingDisabled)
	if m := s.cache.get(key); m != nil {
		s.hits.Add(1)
		return m
	}
	m, err := s.forward(ctx, upstreamQuery(req), upstreams)
	if err != nil {
		s.servFails.Add(1)
		s.log.Warn("dnsproxy: all upstreams failed", "name", req.Question[0].Name, "type", dns.TypeToString[req.Question[0].Qtype], "err", err)
		return reply(req, dns.RcodeServerFailure)
	}
	dropOPT(m)
	s.cache.put(key, m)
	return m
}

// upstreamQuery builds the query sent upstream: the client's question and
// flags, a fresh ID (the client's is not ours to reuse), and the client's EDNS
// options and DO bit with our own payload size. Cookies are per-hop, so they
// are not forwarded.
func upstreamQuery(req *dns.Msg) *dns.Msg {
	q := new(dns.Msg)
	q.Id = dns.Id()
	q.Opcode = dns.OpcodeQuery
	q.RecursionDesired = req.RecursionDesired
	q.CheckingDisabled = req.CheckingDisabled
	q.Question = []dns.Question{req.Question[0]}
	opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	opt.SetUDPSize(ednsSize)
	if ro := req.IsEdns0(); ro != nil {
		opt.SetDo(ro.Do())
		for _, o := range ro.Option {
			if o.Option() != dns.EDNS0COOKIE {
				opt.Option = append(opt.Option, o)
			}
		}
	}
	q.Extra = []dns.RR{opt}
	return q
}

// finish turns an answer into the reply to req: the client's ID and question,
// an OPT record only if the client sent one, and truncation to what the client
// can receive over UDP.
func finish(req, m *dns.Msg, udp bool) *dns.Msg {
	m.Id = req.Id
	m.Response = true
	m.Opcode = req.Opcode
	m.RecursionDesired = req.RecursionDesired
	m.CheckingDisabled = req.CheckingDisabled // copied from the query (RFC 6840 §5.9)
	m.RecursionAvailable = true
	m.Question = req.Question
	dropOPT(m)
	size := dns.MinMsgSize
	if ro := req.IsEdns0(); ro != nil {
		m.SetEdns0(ednsSize, ro.Do())
		size = max(int(ro.UDPSize()), dns.MinMsgSize)
	} else if m.Rcode > 0xF {
		// Extended RCODEs cannot be expressed without EDNS.
		m.Rcode = dns.RcodeServerFailure
	}
	if udp {
		m.Truncate(size)
	}
	return m
}

func reply(req *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	m.RecursionAvailable = true
	return m
}

func dropOPT(m *dns.Msg) {
	extra := m.Extra[:0]
	for _, rr := range m.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	m.Extra = extra
}

// Hide names the address family the resolver hides from clients.
type Hide uint8

// The families to hide: none, IPv6 beside a tunnel without IPv6, IPv4
// beside a tunnel without IPv4.
const (
	HideNone Hide = iota
	HideIPv6
	HideIPv4
)

// String names the hidden family for logs.
func (h Hide) String() string {
	return [...]string{"none", "AAAA", "A"}[h]
}

// qtype is the question type answered empty.
func (h Hide) qtype() uint16 {
	if h == HideIPv4 {
		return dns.TypeA
	}
	return dns.TypeAAAA
}

// strip removes everything that would lead a client to an address of the
// hidden family: its records (in ANY answers and glue) and its address
// hints in SVCB/HTTPS records.
func (h Hide) strip(m *dns.Msg) {
	if h == HideNone {
		return
	}
	hint := dns.SVCBKey(dns.SVCB_IPV6HINT)
	if h == HideIPv4 {
		hint = dns.SVCB_IPV4HINT
	}
	strip := func(rrs []dns.RR) []dns.RR {
		out := rrs[:0]
		for _, rr := range rrs {
			switch rr := rr.(type) {
			case *dns.HTTPS:
				rr.Value = dropHint(rr.Value, hint)
			case *dns.SVCB:
				rr.Value = dropHint(rr.Value, hint)
			}
			if rr.Header().Rrtype == h.qtype() {
				continue
			}
			out = append(out, rr)
		}
		return out
	}
	m.Answer = strip(m.Answer)
	m.Ns = strip(m.Ns)
	m.Extra = strip(m.Extra)
}

func dropHint(kv []dns.SVCBKeyValue, key dns.SVCBKey) []dns.SVCBKeyValue {
	out := kv[:0]
	for _, v := range kv {
		if v.Key() != key {
			out = append(out, v)
		}
	}
	return out
}
