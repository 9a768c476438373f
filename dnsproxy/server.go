// Package dnsproxy is Palisade's local resolver. While a tunnel is up the OS is
// pointed at it; it forwards to the chosen upstreams (through the tunnel), caches
// answers, and drops IPv6 answers when the tunnel carries no IPv6.
package dnsproxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// DefaultListen are the addresses the service binds: a 127/8 address that no
// other resolver uses, and a link-local address on the loopback interface for
// IPv6-only clients. Both are host-local, so nothing off the host can reach them.
var DefaultListen = []netip.AddrPort{
	netip.MustParseAddrPort("127.80.73.65:53"),
	netip.AddrPortFrom(netip.MustParseAddr("fe80::80:73:65").WithZone(loopbackZone), 53),
}

const (
	defaultCacheSize = 4096
	defaultTimeout   = 2 * time.Second
	// ednsSize is the UDP payload size we advertise to clients and upstreams:
	// the DNS Flag Day 2020 value, which avoids IP fragmentation on any path.
	ednsSize = 1232
)

// Config configures a Server.
type Config struct {
	Listen    []netip.AddrPort // UDP and TCP on each; port 0 picks one port for both
	Upstreams []netip.AddrPort // IPv4 and/or IPv6
	Hide      Hide             // a family the tunnel does not carry: its questions get an empty NOERROR
	CacheSize int              // entries; 0 means 4096
	Mark      uint32           // Linux SO_MARK on upstream sockets; 0 means none
	Timeout   time.Duration    // per upstream attempt; 0 means 2 s
	Log       *slog.Logger     // nil means slog.Default()
}

// Stats are cumulative counters since the server was created.
type Stats struct {
	Queries          uint64 // requests received, including refused ones
	CacheHits        uint64 // answered from the cache
	UpstreamFailures uint64 // upstream attempts that failed or timed out
	ServFails        uint64 // queries answered SERVFAIL because every upstream failed
	Refused          uint64 // queries refused because they came from off the host
}

// Server is the local DNS resolver.
type Server struct {
	listen  []netip.AddrPort
	timeout time.Duration
	mark    uint32
	log     *slog.Logger
	cache   *cache
	loZones map[string]bool

	mu        sync.Mutex
	upstreams []netip.AddrPort
	hide      Hide
	servers   []*dns.Server  // TCP
	udp       []*net.UDPConn // served by serveUDP
	bound     []netip.AddrPort
	cancel    context.CancelFunc

	wg   sync.WaitGroup // UDP readers and the queries they handed off
	slow chan struct{}  // one token per query on the full path

	// preferred is the index of the upstream that answered last; queries start
	// there so a dead first upstream costs one timeout, not one per query.
	preferred atomic.Int32
	// newConn wraps a UDP socket for serveUDP; tests swap in singleConn to
	// run the other platforms' path on Linux.
	newConn func(*net.UDPConn) batchConn
	// exchange sends one query to one upstream; tests of pure logic replace it.
	exchange func(ctx context.Context, m *dns.Msg, network string, upstream netip.AddrPort) (*dns.Msg, error)

	queries, hits, upFails, servFails, refused atomic.Uint64
}

// New validates cfg and returns a server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if len(cfg.Listen) == 0 {
		return nil, errors.New("dnsproxy: no listen address")
	}
	for _, a := range cfg.Listen {
		if !a.IsValid() {
			return nil, fmt.Errorf("dnsproxy: invalid listen address %v", a)
		}
	}
	if err := validUpstreams(cfg.Upstreams); err != nil {
		return nil, err
	}
	if cfg.CacheSize < 0 || cfg.Timeout < 0 {
		return nil, errors.New("dnsproxy: negative cache size or timeout")
	}
	s := &Server{
		listen:    slices.Clone(cfg.Listen),
		timeout:   cmpOr(cfg.Timeout, defaultTimeout),
		mark:      cfg.Mark,
		log:       cfg.Log,
		cache:     newCache(cmpOr(cfg.CacheSize, defaultCacheSize), time.Now),
		loZones:   loopbackZones(),
		upstreams: slices.Clone(cfg.Upstreams),
		hide:      cfg.Hide,
		slow:      make(chan struct{}, maxSlowQueries),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.exchange = s.exchangeNet
	s.newConn = newBatchConn
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func validUpstreams(ups []netip.AddrPort) error {
	if len(ups) == 0 {
		return errors.New("dnsproxy: no upstream")
	}
	for _, u := range ups {
		if !u.IsValid() || u.Port() == 0 || u.Addr().IsUnspecified() {
			return fmt.Errorf("dnsproxy: invalid upstream %v", u)
		}
	}
	return nil
}

// Start binds UDP and TCP on every listen address and serves them. If any bind
// fails, the listeners already opened are closed and the error is returned.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers != nil {
		return errors.New("dnsproxy: already started")
	}
	var servers []*dns.Server
	var udp []*net.UDPConn
	var bound []netip.AddrPort
	closeAll := func() {
		for _, pc := range udp {
			pc.Close()
		}
		for _, srv := range servers {
			srv.Listener.Close()
		}
	}
	for _, a := range s.listen {
		pc, ln, err := listenPair(a)
		if err != nil {
			closeAll()
			return fmt.Errorf("dnsproxy: listen on %v: %w", a, err)
		}
		bound = append(bound, pc.LocalAddr().(*net.UDPAddr).AddrPort())
		udp = append(udp, pc)
		servers = append(servers, &dns.Server{Listener: ln, Handler: s})
	}
	for i, srv := range servers {
		if err := serve(srv); err != nil {
			for _, started := range servers[:i] {
				started.Shutdown()
			}
			closeAll()
			return fmt.Errorf("dnsproxy: serve: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	for _, pc := range udp {
		s.wg.Add(1)
		go s.serveUDP(ctx, pc)
	}
	s.servers, s.udp, s.bound, s.cancel = servers, udp, bound, cancel
	s.log.Info("dnsproxy: listening", "addrs", bound, "upstreams", s.upstreams, "hide", s.hide)
	return nil
}

// listenPair binds UDP and TCP on the same port. With port 0 the kernel picks
// the UDP port, and the TCP bind may then collide with another socket, so a few
// fresh picks are tried.
func listenPair(a netip.AddrPort) (*net.UDPConn, net.Listener, error) {
	var lastErr error
	for range 10 {
		pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(a))
		if err != nil {
			return nil, nil, err
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(a.Addr(), uint16(port))))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
		if a.Port() != 0 {
			break
		}
	}
	return nil, nil, lastErr
}

// serve runs srv and returns once it is accepting, so Close never races a
// server that has not started yet.
func serve(srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	failed := make(chan error, 1)
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	}
}

// Addrs returns the addresses actually bound (useful with port 0), or nil
// before Start.
func (s *Server) Addrs() []netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bound)
}

// Update replaces the upstreams and the hidden family at runtime. The cache is
// flushed when the upstreams change, since answers from the old ones may be
// what the user switched away from.
func (s *Server) Update(upstreams []netip.AddrPort, hide Hide) {
	s.mu.Lock()
	changed := !slices.Equal(s.upstreams, upstreams)
	if changed {
		s.upstreams = slices.Clone(upstreams)
		s.preferred.Store(0)
	}
	s.hide = hide
	s.mu.Unlock()
	if changed {
		s.cache.flush()
	}
	s.log.Info("dnsproxy: updated", "upstreams", upstreams, "hide", hide, "cacheFlushed", changed)
}

func (s *Server) settings() ([]netip.AddrPort, Hide) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upstreams, s.hide
}

// Close stops all listeners. In-flight queries are cancelled and get up to
// one timeout to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	servers, udp, cancel := s.servers, s.udp, s.cancel
	s.servers, s.udp, s.bound, s.cancel = nil, nil, nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	var errs []error
	for _, pc := range udp {
		errs = append(errs, pc.Close())
	}
	cancel()
	for _, srv := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		errs = append(errs, srv.ShutdownContext(ctx))
		cancel()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.timeout):
		errs = append(errs, errors.New("dnsproxy: queries still in flight after close"))
	}
	return errors.Join(errs...)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Queries:          s.queries.Load(),
		CacheHits:        s.hits.Load(),
		UpstreamFailures: s.upFails.Load(),
		ServFails:        s.servFails.Load(),
		Refused:          s.refused.Load(),
	}
}
