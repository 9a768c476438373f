package dnsproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/miekg/dns"

	"github.com/palisadevpn/palisade/platform/sockmark"
)

// forward sends q to the upstreams one at a time, starting with the one that
// answered last and failing over in order on an error, a timeout, or a
// SERVFAIL/REFUSED answer. Sequential failover (rather than racing) keeps
// upstream load at one query per lookup and makes the order the user chose
// meaningful; the sticky preferred index keeps a dead upstream from costing a
// timeout on every query.
func (s *Server) forward(ctx context.Context, q *dns.Msg, upstreams []netip.AddrPort) (*dns.Msg, error) {
	if len(upstreams) == 0 {
		return nil, errors.New("no upstreams configured")
	}
	start := int(s.preferred.Load()) % len(upstreams)
	var errs []error
	for i := range upstreams {
		idx := (start + i) % len(upstreams)
		m, err := s.query(ctx, q, upstreams[idx])
		if err == nil {
			s.preferred.Store(int32(idx))
			return m, nil
		}
		s.upFails.Add(1)
		errs = append(errs, fmt.Errorf("%v: %w", upstreams[idx], err))
	}
	return nil, errors.Join(errs...)
}

// query asks one upstream over UDP, and again over TCP when the UDP answer is
// truncated.
func (s *Server) query(ctx context.Context, q *dns.Msg, upstream netip.AddrPort) (*dns.Msg, error) {
	m, err := s.attempt(ctx, q, "udp", upstream)
	if err == nil && m.Truncated {
		m, err = s.attempt(ctx, q, "tcp", upstream)
	}
	if err != nil {
		return nil, err
	}
	if m.Rcode == dns.RcodeServerFailure || m.Rcode == dns.RcodeRefused {
		return nil, fmt.Errorf("answered %s", dns.RcodeToString[m.Rcode])
	}
	if len(m.Question) != 1 || !sameQuestion(m.Question[0], q.Question[0]) {
		return nil, errors.New("answer does not match the question")
	}
	return m, nil
}

func (s *Server) attempt(ctx context.Context, q *dns.Msg, network string, upstream netip.AddrPort) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.exchange(ctx, q, network, upstream)
}

// exchangeNet is the real network exchange, on a socket carrying the
// configured mark.
func (s *Server) exchangeNet(ctx context.Context, q *dns.Msg, network string, upstream netip.AddrPort) (*dns.Msg, error) {
	c := &dns.Client{
		Net:     network,
		Timeout: s.timeout,
		UDPSize: ednsSize,
		Dialer:  &net.Dialer{Control: sockmark.Control(s.mark)},
	}
	m, _, err := c.ExchangeContext(ctx, q, upstream.String())
	return m, err
}

func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && dns.CanonicalName(a.Name) == dns.CanonicalName(b.Name)
}
