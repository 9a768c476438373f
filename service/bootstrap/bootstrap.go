// Package bootstrap resolves WireGuard endpoint host names while the kill
// switch blocks every other program's DNS. It asks the name servers the
// system had before Palisade changed DNS, directly, from sockets that carry
// the service's mark (see platform/sockmark), so the firewall can permit
// exactly these lookups and nothing else.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// DefaultTimeout bounds one query to one server.
const DefaultTimeout = 3 * time.Second

// ednsSize is the UDP payload size offered; larger answers come over TCP.
const ednsSize = 1232

// ErrNoServers means the system had no name servers to ask.
var ErrNoServers = errors.New("no name servers configured on this system")

// NotFoundError means a server answered that the name does not exist
// (NXDOMAIN), or that it has no address records.
type NotFoundError struct {
	Host   string
	Server netip.AddrPort
	// NoAddress is set when the name exists but has no A or AAAA record.
	NoAddress bool
}

func (e *NotFoundError) Error() string {
	if e.NoAddress {
		return fmt.Sprintf("%s has no IPv4 or IPv6 address (asked %s)", e.Host, e.Server.Addr())
	}
	return fmt.Sprintf("%s does not exist (asked %s)", e.Host, e.Server.Addr())
}

// Result is one successful lookup.
type Result struct {
	// Addrs holds the A answers, then the AAAA answers, in server order.
	Addrs []netip.Addr
	// TTL is the smallest TTL of the records used, how long Addrs may be
	// reused without asking again.
	TTL time.Duration
	// Server is the name server that answered.
	Server netip.AddrPort
}

// Resolver looks host names up on given servers. The zero value uses
// plain sockets (tests); the service sets Control.
type Resolver struct {
	// Control prepares every socket: the service's mark on Linux, the
	// physical interface on macOS and Windows (see platform/sockmark).
	Control func(network, address string, c syscall.RawConn) error
	// Timeout bounds one query to one server; DefaultTimeout when zero.
	Timeout time.Duration
}

// Lookup asks the servers in order for host's A and AAAA records (both at
// once). The first server that answers decides, including "no such name";
// a server that fails (timeout, SERVFAIL, REFUSED, unreachable) passes the
// question to the next one.
func (r *Resolver) Lookup(ctx context.Context, servers []netip.AddrPort, host string) (Result, error) {
	if len(servers) == 0 {
		return Result{}, ErrNoServers
	}
	if !validHost(host) {
		return Result{}, fmt.Errorf("%q is not a host name", host)
	}
	var errs []error
	for _, s := range servers {
		res, err := r.ask(ctx, s, host)
		var nf *NotFoundError
		if err == nil || errors.As(err, &nf) {
			return res, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", s.Addr(), err))
		if ctx.Err() != nil {
			break
		}
	}
	return Result{}, fmt.Errorf("no name server answered for %s: %w", host, errors.Join(errs...))
}

// validHost accepts names of letters, digits, '-' and '_' labels, as
// resolvers do for host names (RFC 1123, plus '_' seen in the wild).
func validHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			ok := c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
			if !ok {
				return false
			}
		}
	}
	return true
}

// ask queries one server for both record types concurrently.
func (r *Resolver) ask(ctx context.Context, server netip.AddrPort, host string) (Result, error) {
	type reply struct {
		m   *dns.Msg
		err error
	}
	qtypes := []uint16{dns.TypeA, dns.TypeAAAA}
	replies := make([]chan reply, len(qtypes))
	for i, qt := range qtypes {
		replies[i] = make(chan reply, 1)
		go func() {
			m, err := r.exchange(ctx, server, host, qt)
			replies[i] <- reply{m, err}
		}()
	}
	res := Result{Server: server}
	var ttl uint32
	first, nxdomain := true, false
	for i := range qtypes {
		rep := <-replies[i]
		if rep.err != nil {
			return Result{}, rep.err
		}
		switch rep.m.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			nxdomain = true
			continue
		default:
			return Result{}, fmt.Errorf("answered %s", dns.RcodeToString[rep.m.Rcode])
		}
		for _, rr := range rep.m.Answer {
			var a netip.Addr
			switch v := rr.(type) {
			case *dns.A:
				a, _ = netip.AddrFromSlice(v.A.To4())
			case *dns.AAAA:
				a, _ = netip.AddrFromSlice(v.AAAA.To16())
			case *dns.CNAME:
			default:
				continue
			}
			// The chain's CNAMEs limit the answer's lifetime too.
			if first || rr.Header().Ttl < ttl {
				ttl, first = rr.Header().Ttl, false
			}
			if a.IsValid() && !a.IsUnspecified() {
				res.Addrs = append(res.Addrs, a.Unmap())
			}
		}
	}
	switch {
	case nxdomain && len(res.Addrs) == 0:
		return Result{}, &NotFoundError{Host: host, Server: server}
	case len(res.Addrs) == 0:
		return Result{}, &NotFoundError{Host: host, Server: server, NoAddress: true}
	}
	res.TTL = time.Duration(ttl) * time.Second
	return res, nil
}

// exchange asks over UDP and retries over TCP when the answer was
// truncated.
func (r *Resolver) exchange(ctx context.Context, server netip.AddrPort, host string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(strings.ToLower(host)), qtype)
	q.SetEdns0(ednsSize, false)
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var m *dns.Msg
	var err error
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{
			Net: network, Timeout: timeout, UDPSize: ednsSize,
			Dialer: &net.Dialer{Timeout: timeout, Control: r.Control},
		}
		qctx, cancel := context.WithTimeout(ctx, timeout)
		m, _, err = c.ExchangeContext(qctx, q, server.String())
		cancel()
		if err != nil || !m.Truncated {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if m.Id != q.Id || len(m.Question) != 1 || !strings.EqualFold(m.Question[0].Name, q.Question[0].Name) {
		return nil, errors.New("answer does not match the question")
	}
	return m, nil
}
