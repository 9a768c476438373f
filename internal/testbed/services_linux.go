package testbed

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// services are the in-process servers of a bed. Their sockets are opened
// inside the namespaces and served from ordinary goroutines.
type services struct {
	mu      sync.Mutex
	closers []io.Closer
	wg      sync.WaitGroup
	// home is the LAN router's DNS data.
	home homeZone
	// outside is what the public DNS server was asked outside the tunnel.
	outside outsideNames
}

// startServices opens the internet host's TCP, UDP echo and public DNS
// services, the server's tunnel DNS and the LAN router's DNS.
func (b *Bed) startServices() error {
	s := &b.services
	err := b.Do(RoleInternet, func() error {
		for _, a := range []netip.Addr{InternetIPv4, InternetIPv6} {
			l, err := net.Listen("tcp", netip.AddrPortFrom(a, HTTPPort).String())
			if err != nil {
				return err
			}
			s.add(l)
			s.wg.Go(func() { serveWhoami(l) })
			hl, err := net.Listen("tcp", netip.AddrPortFrom(a, IPPort).String())
			if err != nil {
				return err
			}
			s.add(hl)
			s.wg.Go(func() { serveIP(hl) })
			pc, err := net.ListenPacket("udp", netip.AddrPortFrom(a, EchoPort).String())
			if err != nil {
				return err
			}
			s.add(pc)
			s.wg.Go(func() { serveEcho(pc) })
			if err := s.listenDNS(a, s.outside.wrap(DNSHandler(false))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	tunnelAddrs := []netip.Addr{TunnelServerIPv4}
	if !b.opts.ServerNoIPv6Tunnel {
		tunnelAddrs = append(tunnelAddrs, TunnelServerIPv6)
	}
	// The sockets outlive StopServer: bound sockets stay valid while the
	// tunnel address is gone and serve again once StartServer re-adds it.
	err = b.Do(RoleServer, func() error {
		for _, a := range tunnelAddrs {
			if err := s.listenDNS(a, handler(true, b.opts.TunnelDNS64)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return b.Do(RoleLAN, func() error {
		h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) { w.WriteMsg(s.home.answer(req)) })
		addrs := []netip.Addr{LANIPv4, LANULA}
		if b.opts.LANIPv6Only {
			addrs = addrs[1:]
		}
		for _, a := range addrs {
			if err := s.listenDNS(a, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// listenDNS opens UDP and TCP DNS sockets on a and serves them with h.
func (s *services) listenDNS(a netip.Addr, h dns.Handler) error {
	addr := netip.AddrPortFrom(a, DNSPort).String()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	s.add(pc)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.add(l)
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
		s.wg.Go(func() { srv.ActivateAndServe() })
	}
	return nil
}

func (s *services) add(c io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, c)
}

// close closes every socket, which ends every serving goroutine, and waits
// for them.
func (s *services) close() {
	s.mu.Lock()
	for _, c := range s.closers {
		c.Close()
	}
	s.closers = nil
	s.mu.Unlock()
	s.wg.Wait()
}

// serveWhoami answers each TCP connection with the peer's address and a
// newline, then closes it.
func serveWhoami(l net.Listener) {
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		io.WriteString(c, sourceOf(c.RemoteAddr())+"\n")
		c.Close()
	}
}

// serveIP answers every HTTP request with the caller's address.
func serveIP(l net.Listener) {
	srv := &http.Server{
		ReadHeaderTimeout: 2 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
				io.WriteString(w, ap.Addr().Unmap().String()+"\n")
			}
		}),
	}
	srv.Serve(l)
}

// serveEcho answers each UDP datagram with the sender's address and a
// newline.
func serveEcho(pc net.PacketConn) {
	buf := make([]byte, 2048)
	for {
		_, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		pc.WriteTo([]byte(sourceOf(from)+"\n"), from)
	}
}

// sourceOf renders a remote address as a bare IP.
func sourceOf(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	return ap.Addr().Unmap().String()
}

// SetHomeAddrs sets the addresses the LAN router's DNS gives HomeName.
func (b *Bed) SetHomeAddrs(addrs ...netip.Addr) { b.services.home.setHome(addrs) }

// LANQueries returns how many queries for name (fully qualified) the LAN
// router's DNS received, over both families and transports.
func (b *Bed) LANQueries(name string) int { return b.services.home.queries(name) }

// HomeQueryWindows returns when the LAN router's DNS was busy answering
// HomeName queries.
func (b *Bed) HomeQueryWindows() []Window { return b.services.home.homeWindows() }

// ServeWhoami opens, inside role's namespace, one more TCP service on addr
// answering the caller's address like the internet's HTTPPort one (for
// other ports a program might use, such as DoT's 853 or DoH's 443). It is
// closed with the bed.
func (b *Bed) ServeWhoami(role string, addr netip.AddrPort) error {
	s := &b.services
	return b.Do(role, func() error {
		l, err := net.Listen("tcp", addr.String())
		if err != nil {
			return err
		}
		s.add(l)
		s.wg.Go(func() { serveWhoami(l) })
		return nil
	})
}
