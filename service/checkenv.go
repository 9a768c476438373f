package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sysdns"
	"github.com/palisadevpn/palisade/service/selfcheck"
)

// Bounds of the self-check's probes: every one ends, answered or not.
const (
	// checkProbeTimeout bounds each route lookup, the firewall read-back
	// and the reading of the system's DNS settings (D-Bus to
	// systemd-resolved would otherwise wait 25 s for a hung daemon).
	checkProbeTimeout = 5 * time.Second
	// checkTotalTimeout bounds a whole run; the probes run side by side,
	// so it is only reached when several hang.
	checkTotalTimeout = 15 * time.Second
	// checkDNSTimeout outlasts the resolver's own failover over two
	// upstreams (2 s each), so a dead upstream shows as SERVFAIL, not as
	// a resolver that does not answer.
	checkDNSTimeout     = 5 * time.Second
	checkOutsideTimeout = 8 * time.Second
	// checkOutsideMax bounds the outside service's answer: an address.
	checkOutsideMax = 256
)

// CheckEnv reads the live system for the self-check. Production values come
// from the platform packages; tests inject their own.
type CheckEnv struct {
	// RouteTo returns the route a packet to dst with fwmark mark, sent
	// by user uid (negative: the service's own), takes; it ends with ctx.
	RouteTo func(ctx context.Context, dst netip.Addr, mark uint32, uid int) (platform.Hop, error)
	// SystemDNS returns the name servers the system uses now and whether
	// they are only systemd-resolved's stub; it ends with ctx.
	SystemDNS func(ctx context.Context, tunnel string) ([]netip.Addr, bool, error)
	// Query asks a resolver address one question.
	Query func(ctx context.Context, server netip.Addr) selfcheck.Answer
	// Outside asks a "what is my IP" URL over one family.
	Outside func(ctx context.Context, url string, v6 bool) selfcheck.Seen
	// OwnAddrs lists the addresses of the interfaces other than the
	// tunnel and loopback.
	OwnAddrs func(tunnel string) []netip.Addr
}

// checkLimits bound the self-check: each probe by its own limit, a whole
// run by total. The DNS query and the outside probe have their own
// timeouts inside; their limits leave a second beyond, so a resolver that
// does not answer reads as such, and only a probe that hangs times out.
type checkLimits struct {
	probe, dns, outside, total time.Duration
}

var defaultCheckLimits = checkLimits{
	probe:   checkProbeTimeout,
	dns:     checkDNSTimeout + time.Second,
	outside: checkOutsideTimeout + time.Second,
	total:   checkTotalTimeout,
}

// bounded runs probe with a deadline of limit (sooner if ctx ends sooner)
// and returns a *selfcheck.TimeoutError naming what if it has not answered
// by then. Every probe ends with its context (TestCheckProbesEndWithContext),
// so none outlives its deadline for long; the result is not waited for
// past it all the same, and one run at a time (checkShare) bounds how
// many could linger.
func bounded[T any](ctx context.Context, what string, limit time.Duration, probe func(context.Context) (T, error)) (T, error) {
	if d, ok := ctx.Deadline(); ok {
		limit = max(min(limit, time.Until(d)), 0)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := probe(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, &selfcheck.TimeoutError{What: what, After: limit.Round(time.Millisecond)}
	}
}

func (c *CheckEnv) fill() {
	if c.RouteTo == nil {
		c.RouteTo = platform.RouteTo
	}
	if c.SystemDNS == nil {
		c.SystemDNS = sysdns.Current
	}
	if c.Query == nil {
		c.Query = queryResolver
	}
	if c.Outside == nil {
		c.Outside = askOutside
	}
	if c.OwnAddrs == nil {
		c.OwnAddrs = ownAddrs
	}
}

// queryResolver asks server for the root's name servers, a question every
// upstream answers; any reply proves the resolver is there, SERVFAIL that
// its upstreams are not.
func queryResolver(ctx context.Context, server netip.Addr) selfcheck.Answer {
	ctx, cancel := context.WithTimeout(ctx, checkDNSTimeout)
	defer cancel()
	q := new(dns.Msg).SetQuestion(".", dns.TypeNS)
	q.SetEdns0(1232, false)
	c := &dns.Client{Net: "udp", Timeout: checkDNSTimeout}
	r, _, err := c.ExchangeContext(ctx, q, netip.AddrPortFrom(server, 53).String())
	if err != nil {
		return selfcheck.Answer{Server: server, Err: err}
	}
	return selfcheck.Answer{Server: server, Rcode: r.Rcode, ServFail: r.Rcode == dns.RcodeServerFailure}
}

// askOutside fetches url over one family only and parses the address the
// body names. Redirects are not followed: a "what is my IP" page answers
// directly.
func askOutside(ctx context.Context, url string, v6 bool) selfcheck.Seen {
	ctx, cancel := context.WithTimeout(ctx, checkOutsideTimeout)
	defer cancel()
	network := "tcp4"
	if v6 {
		network = "tcp6"
	}
	d := &net.Dialer{}
	c := &http.Client{
		Transport: &http.Transport{
			DialContext:       func(ctx context.Context, _, addr string) (net.Conn, error) { return d.DialContext(ctx, network, addr) },
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return selfcheck.Seen{Err: err}
	}
	req.Header.Set("User-Agent", "palisade-check")
	resp, err := c.Do(req)
	if err != nil {
		return selfcheck.Seen{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, checkOutsideMax))
	if err != nil {
		return selfcheck.Seen{Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return selfcheck.Seen{Err: fmt.Errorf("answered %s", resp.Status)}
	}
	a, err := netip.ParseAddr(strings.TrimSpace(string(body)))
	if err != nil {
		return selfcheck.Seen{Err: errors.New("the answer is not an IP address")}
	}
	return selfcheck.Seen{Addr: a.Unmap()}
}

// ownAddrs lists the addresses of every interface but the tunnel and
// loopback: what the outside would see if traffic left outside the tunnel
// without NAT (IPv6, or a public IPv4).
func ownAddrs(tunnel string) []netip.Addr {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Name == tunnel || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, p.Addr().Unmap())
			}
		}
	}
	return out
}
