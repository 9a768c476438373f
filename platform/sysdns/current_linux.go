package sysdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"

	"github.com/godbus/dbus/v5"
)

// Current returns the name servers the system uses now, read from
// /etc/resolv.conf. When that names only systemd-resolved's stub,
// viaResolved is true and the servers are those resolved sends every name
// to: the tunnel link's, provided the link holds the routing domain "~."
// (as the resolved manager sets it); without it the error says so. The
// D-Bus calls end with ctx, not only at D-Bus' own 25 s reply timeout.
func Current(ctx context.Context, tunnel string) (servers []netip.Addr, viaResolved bool, err error) {
	data, err := os.ReadFile(ResolvConf)
	if err != nil {
		return nil, false, err
	}
	servers = parseResolvConf(data)
	if !onlyStub(servers) {
		return servers, false, nil
	}
	dns, domains, err := resolvedLink(ctx, tunnel)
	if err != nil {
		return nil, true, err
	}
	if !routesAll(domains) {
		return nil, true, fmt.Errorf("systemd-resolved does not send every name to %s (no ~. routing domain on it)", tunnel)
	}
	return usable(dns), true, nil
}

// routesAll tells whether a link's domains hold the routing domain "~.",
// which makes resolved ask that link's servers for every name.
func routesAll(domains []linkDomain) bool {
	return slices.Contains(domains, linkDomain{".", true})
}

// resolvedLink reads a link's DNS servers and domains from resolved. The
// connection and the calls end with ctx; the error then says so (the
// connection closed under a call reports only that).
func resolvedLink(ctx context.Context, name string) (dns []linkDNS, domains []linkDomain, err error) {
	defer func() {
		if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}()
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, nil, fmt.Errorf("sysdns: %w", err)
	}
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("sysdns: system bus: %w", err)
	}
	defer conn.Close()
	var path dbus.ObjectPath
	if err := conn.Object(resolvedBus, resolvedPath).CallWithContext(ctx, resolvedMgr+".GetLink", 0, int32(ifc.Index)).Store(&path); err != nil {
		return nil, nil, fmt.Errorf("sysdns: resolved GetLink %s: %w", name, err)
	}
	link := conn.Object(resolvedBus, path)
	for prop, dst := range map[string]any{"DNS": &dns, "Domains": &domains} {
		var v dbus.Variant
		err := link.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.resolve1.Link", prop).Store(&v)
		if err == nil {
			err = v.Store(dst)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sysdns: resolved link %s %s: %w", name, prop, err)
		}
	}
	return dns, domains, nil
}
