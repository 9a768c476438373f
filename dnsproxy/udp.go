package dnsproxy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
)

// maxSlowQueries bounds the queries waiting on upstreams at once. Beyond it
// new misses are dropped, as a flood from a broken local program should not
// turn into unbounded goroutines and upstream load; clients retry.
const maxSlowQueries = 512

// batch is how many datagrams one system call reads or writes. Under load
// (a browser opening a page, a benchmark) this amortises the system calls,
// which are most of the cost of a cached answer; on platforms without
// recvmmsg the batch is one datagram.
const batch = 32

// maxQuery is the largest query read; longer datagrams arrive cut short
// and fail to parse. Real queries, even EDNS-padded ones, are far smaller.
const maxQuery = 4096

// serveUDP reads queries from pc until it is closed. Cache hits are answered
// on this goroutine, a batch at a time; everything else (misses, refusals,
// malformed packets, truncation) gets a goroutine and the full path.
func (s *Server) serveUDP(ctx context.Context, pc *net.UDPConn) {
	defer s.wg.Done()
	bc := s.newConn(pc)
	in, out := make([]ipv4.Message, batch), make([]ipv4.Message, batch)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, maxQuery)}
		out[i].Buffers = [][]byte{make([]byte, 0, 4096)}
	}
	for errs := 0; ; {
		n, err := bc.ReadBatch(in, 0)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Windows reports an ICMP port unreachable for an earlier reply
			// as a read error; anything persistent must not spin a core.
			s.log.Debug("dnsproxy: read", "err", err)
			if errs++; errs > 3 {
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		errs = 0
		w := 0
		for _, m := range in[:n] {
			src, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			pkt := m.Buffers[0][:m.N]
			if len(pkt) < headerLen || pkt[2]&0x80 != 0 {
				// Runts cannot be answered; responses are ignored, as
				// answering them could start a loop between two resolvers.
				continue
			}
			if reply, ok := s.fastAnswer(pkt, src.AddrPort().Addr(), out[w].Buffers[0]); ok {
				out[w].Buffers[0], out[w].Addr = reply, src
				w++
				continue
			}
			s.handOff(ctx, pc, pkt, src.AddrPort())
		}
		s.writeBatch(bc, out[:w])
	}
}

// writeBatch sends every reply; a failed one is logged and skipped.
func (s *Server) writeBatch(bc batchConn, ms []ipv4.Message) {
	for len(ms) > 0 {
		n, err := bc.WriteBatch(ms, 0)
		if err != nil {
			s.log.Debug("dnsproxy: write failed", "client", ms[0].Addr, "err", err)
			n = 1
		}
		ms = ms[n:]
	}
}

// handOff answers one packet through the full path on a goroutine of its
// own, unless too many are already waiting.
func (s *Server) handOff(ctx context.Context, pc *net.UDPConn, pkt []byte, src netip.AddrPort) {
	select {
	case s.slow <- struct{}{}:
	default:
		s.log.Debug("dnsproxy: too many queries in flight, dropped one", "client", src)
		return
	}
	pkt = slices.Clone(pkt)
	s.wg.Add(1)
	go func() {
		defer func() { <-s.slow; s.wg.Done() }()
		s.serveSlowUDP(ctx, pc, pkt, src)
	}()
}

// fastAnswer renders the reply to a cache hit into out, or reports false.
func (s *Server) fastAnswer(pkt []byte, src netip.Addr, out []byte) ([]byte, bool) {
	if !localClient(src, s.loZones) {
		return nil, false
	}
	q, ok := parseQuery(pkt)
	if !ok {
		return nil, false
	}
	_, hide := s.settings()
	if hide != HideNone && q.key.qtype == hide.qtype() {
		return nil, false
	}
	w, age, ok := s.cache.getWire(q.key, hide)
	if !ok {
		return nil, false
	}
	reply, ok := w.render(out, &q, age)
	if ok {
		s.queries.Add(1)
		s.hits.Add(1)
	}
	return reply, ok
}

// serveSlowUDP answers one query through the full path; a packet that does
// not parse gets FORMERR.
func (s *Server) serveSlowUDP(ctx context.Context, pc *net.UDPConn, pkt []byte, src netip.AddrPort) {
	var b []byte
	req := new(dns.Msg)
	if err := req.Unpack(pkt); err != nil {
		b = formErr(pkt)
	} else {
		resp := s.answer(ctx, req, src.Addr(), true)
		if b, err = resp.Pack(); err != nil {
			s.log.Debug("dnsproxy: reply does not pack", "client", src, "err", err)
			b, _ = reply(req, dns.RcodeServerFailure).Pack()
		}
	}
	if _, err := pc.WriteToUDPAddrPort(b, src); err != nil {
		s.log.Debug("dnsproxy: write failed", "client", src, "err", err)
	}
}

// formErr is a header-only FORMERR reply to the packet's ID and opcode.
func formErr(pkt []byte) []byte {
	b := make([]byte, headerLen)
	b[0], b[1] = pkt[0], pkt[1]
	b[2] = 0x80 | pkt[2]&0x79 // QR, the opcode and RD
	b[3] = 0x80 | dns.RcodeFormatError
	return b
}
