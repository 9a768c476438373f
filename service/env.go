package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"runtime"

	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sysdns"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/nat64"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// DNSControl runs the local resolver and points the system at it.
type DNSControl interface {
	// Up starts (or updates) the resolver with these upstreams, hiding
	// the family the tunnel does not carry, and points the system DNS at it
	// through the tunnel interface.
	Up(iface string, upstreams []netip.AddrPort, hide dnsproxy.Hide, domains []string) (DNSInfo, error)
	// Down stops the resolver and restores the system DNS. It also undoes
	// whatever a failed Up left behind, and does nothing when nothing is up.
	Down() error
}

// DNSInfo says what Up set up.
type DNSInfo struct {
	Resolvers []netip.Addr
	Manager   string
}

// Env is everything the manager depends on; production values come from
// the platform packages, tests inject their own.
type Env struct {
	Log      *slog.Logger
	StateDir string
	// Interface is the name asked for the tunnel interface.
	Interface string
	Timing    Timing
	NewDevice func(cfg tunnel.Config, log *slog.Logger) (Device, error)
	Router    platform.Router
	// Firewall and DNS may be nil: then the manager runs without them.
	Firewall firewall.Backend
	DNS      DNSControl
	// NameServers lists the name servers the system had before Palisade
	// changed DNS, which endpoint names are resolved on.
	NameServers func() ([]netip.Addr, error)
	// Lookup resolves an endpoint host name (A and AAAA) on those servers,
	// from sockets the firewall lets through while it blocks, kept off the
	// tunnel interface (empty when there is none).
	Lookup   func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error)
	HostIPv6 func() bool
	// Reach tells which families have a default route outside the tunnel
	// (the endpoint family follows it).
	Reach func(tunnel string) platform.Reach
	// AskResolver asks the local resolver (through it, the tunnel's DNS)
	// for a name's A and AAAA records, from a plain socket.
	AskResolver func(ctx context.Context, resolver netip.AddrPort, host string) (bootstrap.Result, error)
	// RAPrefixes lists the NAT64 prefixes the host's IPv6 default routers
	// announce in router advertisements (RFC 8781 PREF64), longest-lasting
	// first; none where the OS does not pass them on.
	RAPrefixes func(tunnel string) []nat64.Announced
	// TunnelIPv6 reports whether the tunnel interface runs IPv6 (it may
	// not on a host that does: Windows DisabledComponents).
	TunnelIPv6 func(iface string) bool
	// OnLink lists the on-link prefixes of the physical interfaces.
	OnLink func() []netip.Prefix
	// Uplink tells which physical interface, of what MTU, carries packets
	// to an endpoint (platform.UplinkTo); SetMTU changes the tunnel's MTU
	// while connected (tunnel.Device.SetMTU).
	Uplink func(dst netip.Addr, tunnel string) (platform.Uplink, error)
	SetMTU func(dev Device, mtu int) error
	// Cleanup undoes leftovers of a crashed run before anything else.
	Cleanup func() error
	// Check reads the live system for the self-check.
	Check CheckEnv
	// BlockOtherDNS keeps port 53 on the local resolver whenever a full
	// tunnel is up, kill switch or not (firewall.Input.BlockOtherDNS).
	BlockOtherDNS bool
	// Split runs the split tunnel's groups; nil where it cannot run, and
	// SplitUnavailable then says why.
	Split            SplitGroups
	SplitUnavailable string
	// StopKind tells, when the service stops, whether the service manager
	// restarts it, the system shuts down, or it stops for good, with the
	// evidence for the log (stopKeepsBlock decides on it).
	StopKind func() (StopKind, string)
}

// DefaultInterface is the name asked for the tunnel interface on this OS;
// on macOS the kernel numbers it, and the real name is read back from the
// device.
var DefaultInterface = platform.TunnelName(runtime.GOOS)

// ProfileDir is where profiles are stored.
func (e Env) ProfileDir() string { return filepath.Join(e.StateDir, "profiles") }

func (e *Env) fill() error {
	if e.StateDir == "" || e.Router == nil {
		return errors.New("service: state directory and router are required")
	}
	if e.Log == nil {
		e.Log = slog.Default()
	}
	if e.Interface == "" {
		e.Interface = DefaultInterface
	}
	if e.Timing == (Timing{}) {
		e.Timing = DefaultTiming
	}
	if e.NewDevice == nil {
		e.NewDevice = func(cfg tunnel.Config, log *slog.Logger) (Device, error) { return tunnel.Create(cfg, log) }
	}
	if e.NameServers == nil {
		dir := e.StateDir
		e.NameServers = func() ([]netip.Addr, error) { return sysdns.SystemServers(dir) }
	}
	if e.Lookup == nil {
		e.Lookup = defaultLookup(platform.FwMark)
	}
	if e.HostIPv6 == nil {
		e.HostIPv6 = platform.HasIPv6
	}
	if e.Reach == nil {
		log := e.Log
		e.Reach = func(tunnel string) platform.Reach {
			r, err := platform.HostReach(tunnel)
			if err != nil {
				log.Warn("default routes unreadable: both families assumed", "err", err)
				return platform.Reach{IPv4: true, IPv6: true}
			}
			return r
		}
	}
	if e.AskResolver == nil {
		e.AskResolver = func(ctx context.Context, resolver netip.AddrPort, host string) (bootstrap.Result, error) {
			return (&bootstrap.Resolver{}).Lookup(ctx, []netip.AddrPort{resolver}, host)
		}
	}
	if e.RAPrefixes == nil {
		e.RAPrefixes = func(string) []nat64.Announced { return nil }
	}
	if e.TunnelIPv6 == nil {
		e.TunnelIPv6 = platform.TunnelIPv6
	}
	if e.Split == nil && e.SplitUnavailable == "" {
		e.SplitUnavailable = "split tunnelling is not set up in this service"
	}
	if e.OnLink == nil {
		e.OnLink = func() []netip.Prefix { return nil }
	}
	if e.Uplink == nil {
		e.Uplink = platform.UplinkTo
	}
	if e.SetMTU == nil {
		e.SetMTU = func(dev Device, mtu int) error {
			d, ok := dev.(interface{ SetMTU(int) error })
			if !ok {
				return fmt.Errorf("device %s cannot change its MTU", dev.Name())
			}
			return d.SetMTU(mtu)
		}
	}
	if e.StopKind == nil {
		e.StopKind = func() (StopKind, string) { return StopPlain, "no service manager" }
	}
	e.Check.fill()
	return nil
}
