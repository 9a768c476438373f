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
	mgr      sysdns.Manager
	listen   []netip.AddrPort
}

func newLocalDNS(log *slog.Logger, stateDir string) *localDNS {
	return &localDNS{log: log, stateDir: stateDir}
}

// Up starts the resolver once and afterwards only updates its upstreams.
func (d *localDNS) Up(iface string, upstreams []netip.AddrPort, filterAAAA bool, domains []string) (DNSInfo, error) {
	if d.srv == nil {
		if err := d.start(upstreams, filterAAAA); err != nil {
			return DNSInfo{}, err
		}
	} else {
		d.srv.Update(upstreams, filterAAAA)
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

func (d *localDNS) start(upstreams []netip.AddrPort, filterAAAA bool) error {
	d.listen = dnsproxy.DefaultListen
	if err := sysdns.AddLoopbackAddrs(); err != nil {
		if !errors.Is(err, sysdns.ErrNoIPv6) {
			return err
		}
		// An IPv6-disabled host gets the IPv4 resolver address only.
		d.listen = nil
		for _, l := range dnsproxy.DefaultListen {
			if l.Addr().Is4() {
				d.listen = append(d.listen, l)
			}
		}
	}
	srv, err := dnsproxy.New(dnsproxy.Config{Listen: d.listen, Upstreams: upstreams, FilterAAAA: filterAAAA, Mark: platform.DNSMark, Log: d.log})
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
	if d.srv != nil {
		errs = append(errs, d.srv.Close())
		d.srv = nil
		errs = append(errs, sysdns.RemoveLoopbackAddrs())
	}
	return errors.Join(errs...)
}
