package sysdns

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/godbus/dbus/v5"
)

const (
	resolvedBus  = "org.freedesktop.resolve1"
	resolvedPath = "/org/freedesktop/resolve1"
	resolvedMgr  = "org.freedesktop.resolve1.Manager"
)

// resolvedManager configures systemd-resolved per link over D-Bus: the
// tunnel link gets our servers, the routing domain "~." so it wins every
// lookup, and the default route. resolved drops per-link settings itself when
// the link disappears, so a crash leaves nothing behind.
type resolvedManager struct {
	log     *slog.Logger
	ifindex int
}

func (m *resolvedManager) Name() string { return "systemd-resolved" }

// linkDNS is resolved's a(iay) element: address family and raw address.
type linkDNS struct {
	Family  int32
	Address []byte
}

// linkDomain is resolved's a(sb) element: domain and routing-only flag.
type linkDomain struct {
	Domain      string
	RoutingOnly bool
}

// resolvedArgs converts cfg to SetLinkDNS/SetLinkDomains arguments. resolved
// sends to per-link servers through that link, so a link-local server on
// loopback cannot be expressed and is left out; resolved itself is the only
// client of our resolver in this mode, and 127.80.73.65 serves it.
func resolvedArgs(cfg Config) ([]linkDNS, []linkDomain) {
	var servers []linkDNS
	for _, s := range cfg.Servers {
		switch {
		case s.Is4():
			b := s.As4()
			servers = append(servers, linkDNS{2, b[:]})
		case !s.IsLinkLocalUnicast():
			b := s.As16()
			servers = append(servers, linkDNS{10, b[:]})
		}
	}
	domains := []linkDomain{{".", true}}
	for _, d := range cfg.Domains {
		domains = append(domains, linkDomain{d, false})
	}
	return servers, domains
}

func (m *resolvedManager) Set(cfg Config) error {
	if err := validate(cfg); err != nil {
		return err
	}
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("sysdns: %w", err)
	}
	servers, domains := resolvedArgs(cfg)
	if len(servers) == 0 {
		return fmt.Errorf("sysdns: no server systemd-resolved can use among %v", cfg.Servers)
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return fmt.Errorf("sysdns: system bus: %w", err)
	}
	defer conn.Close()
	obj := conn.Object(resolvedBus, resolvedPath)
	idx := int32(ifc.Index)
	for _, call := range []struct {
		method string
		args   []any
	}{
		{"SetLinkDNS", []any{idx, servers}},
		{"SetLinkDomains", []any{idx, domains}},
		{"SetLinkDefaultRoute", []any{idx, true}},
		{"FlushCaches", nil},
	} {
		if err := obj.Call(resolvedMgr+"."+call.method, 0, call.args...).Err; err != nil {
			return fmt.Errorf("sysdns: resolved %s: %w", call.method, err)
		}
	}
	m.ifindex = ifc.Index
	m.log.Info("sysdns: configured systemd-resolved", "link", cfg.Interface, "servers", usable(servers))
	return nil
}

func (m *resolvedManager) Restore() error {
	if m.ifindex == 0 {
		return nil
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return fmt.Errorf("sysdns: system bus: %w", err)
	}
	defer conn.Close()
	err = conn.Object(resolvedBus, resolvedPath).Call(resolvedMgr+".RevertLink", 0, int32(m.ifindex)).Err
	if err != nil {
		// The link is gone when the tunnel was torn down first, and with it
		// every setting resolved had for it.
		if _, lerr := net.InterfaceByIndex(m.ifindex); lerr != nil {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("sysdns: resolved RevertLink: %w", err)
	}
	m.ifindex = 0
	return nil
}

func usable(servers []linkDNS) []netip.Addr {
	var out []netip.Addr
	for _, s := range servers {
		a, _ := netip.AddrFromSlice(s.Address)
		out = append(out, a)
	}
	return out
}

// resolvedOnBus reports whether resolve1 has an owner on the system bus.
func resolvedOnBus() bool {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, resolvedBus).Store(&owned)
	return err == nil && owned
}
