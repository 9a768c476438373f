package service

import (
	"errors"
	"log/slog"
	"net/netip"

	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sysdns"
)

// localDNS is the production DNSControl: the dnsproxy resolver on the
// loopback addresses and the system DNS pointed at it.
type localDNS struct {
	log      *slog.Logger
	stateDir string
	srv      *dnsproxy.Server
	// bypass answers the split tunnel's bypass group from the system's
	// own name servers, outside the tunnel.
	bypass *dnsproxy.Server
	mgr    sysdns.Manager
	listen []netip.AddrPort
}

func newLocalDNS(log *slog.Logger, stateDir string) *localDNS {
	return &localDNS{log: log, stateDir: stateDir}
}

// Up starts the resolver once and afterwards only updates its upstreams.
func (d *localDNS) Up(iface string, upstreams []netip.AddrPort, hide dnsproxy.Hide, domains []string) (DNSInfo, error) {
	if d.srv == nil {
		if err := d.start(upstreams, hide); err != nil {
			return DNSInfo{}, err
		}
	} else {
		d.srv.Update(upstreams, hide)
	}
	if d.mgr == nil {
		d.mgr = sysdns.Detect(d.log, d.stateDir)
	}
	var servers []netip.Addr
	for _, l := range d.listen {
		servers = append(servers, l.Addr())
	}
	if err := d.mgr.Set(sysdns.Config{Interface: iface, Servers: servers, Domains: domains}); err != nil {
		return DNSInfo{}, err
	}
	return DNSInfo{Resolvers: servers, Manager: d.mgr.Name()}, nil
}

func (d *localDNS) start(upstreams []netip.AddrPort, hide dnsproxy.Hide) error {
	listen, why, err := resolverListen(dnsproxy.DefaultListen, sysdns.AddLoopbackAddrs())
	if err != nil {
		// Adding one address may have failed after the other was added.
		return errors.Join(err, sysdns.RemoveLoopbackAddrs())
	}
	if why != "" {
		d.log.Info("dns: resolver on its IPv4 address only", "why", why)
	}
	d.listen = listen
	srv, err := dnsproxy.New(dnsproxy.Config{Listen: d.listen, Upstreams: upstreams, Hide: hide, Mark: platform.DNSMark, Log: d.log})
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		sysdns.RemoveLoopbackAddrs()
		return err
	}
	d.srv = srv
	return nil
}

// Down restores the system DNS first, so nothing points at a dead resolver.
func (d *localDNS) Down() error {
	var errs []error
	if d.mgr != nil {
		errs = append(errs, d.mgr.Restore())
		d.mgr = nil
	}
	if d.bypass != nil {
		errs = append(errs, d.bypass.Close())
		d.bypass = nil
	}
	if d.srv != nil {
		errs = append(errs, d.srv.Close())
		d.srv = nil
		errs = append(errs, sysdns.RemoveLoopbackAddrs())
	}
	return errors.Join(errs...)
}

// resolverListen decides the resolver's addresses from what adding them to
// loopback gave: all of them, or the IPv4 ones alone (with the reason) when
// the host has no IPv6 or the OS cannot use the IPv6 one. Either way the
// connect goes on; only an unexpected failure is an error.
func resolverListen(all []netip.AddrPort, addErr error) ([]netip.AddrPort, string, error) {
	if addErr == nil {
		return all, "", nil
	}
	if !errors.Is(addErr, sysdns.ErrNoIPv6) && !errors.Is(addErr, sysdns.ErrLoopbackIPv6Unusable) {
		return nil, "", addErr
	}
	var v4 []netip.AddrPort
	for _, l := range all {
		if l.Addr().Is4() {
			v4 = append(v4, l)
		}
	}
	return v4, addErr.Error(), nil
}

// UpBypass starts the bypass group's resolver on port of the resolver's
// addresses, once, and afterwards only updates its upstreams. Its sockets
// carry FwMark, so they route past the tunnel like the service's endpoint
// lookups, and the firewall lets them reach exactly these servers.
func (d *localDNS) UpBypass(port uint16, upstreams []netip.AddrPort) error {
	if d.srv == nil {
		return errors.New("dns: the local resolver is not running")
	}
	if d.bypass != nil {
		d.bypass.Update(upstreams, dnsproxy.HideNone)
		return nil
	}
	var listen []netip.AddrPort
	for _, l := range d.listen {
		listen = append(listen, netip.AddrPortFrom(l.Addr(), port))
	}
	srv, err := dnsproxy.New(dnsproxy.Config{Listen: listen, Upstreams: upstreams, Mark: platform.FwMark, Log: d.log})
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		return err
	}
	d.bypass = srv
	return nil
}

// Reassert puts the system DNS back where the OS replaced it since Up, for
// managers that can tell (macOS's dynamic store); the others keep theirs.
func (d *localDNS) Reassert() error {
	if r, ok := d.mgr.(interface{ Reassert() error }); ok {
		return r.Reassert()
	}
	return nil
}
