package sysdns

import (
	"bufio"
	"bytes"
	"net/netip"
	"slices"
	"strings"
)

// resolvedStub is systemd-resolved's local stub listener; behind it,
// /run/systemd/resolve/resolv.conf lists the real servers.
var resolvedStub = netip.MustParseAddr("127.0.0.53")

// parseResolvConf returns the nameserver addresses of a resolv.conf, in
// order. Lines it does not understand are skipped, as the C library does.
// A link-local server keeps its "%zone".
func parseResolvConf(data []byte) []netip.Addr {
	var out []netip.Addr
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		if a, err := netip.ParseAddr(f[1]); err == nil && !a.IsUnspecified() {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// windowsPlaceholderDNS are the deprecated site-local servers
// fec0:0:0:ffff::1 to ::3 (RFC 3879) that Windows lists for every adapter
// with IPv6 but no IPv6 DNS server configured; nothing answers there, so
// endpoint lookups would wait out a timeout on each (Tailscale skips them
// too).
var windowsPlaceholderDNS = netip.MustParsePrefix("fec0:0:0:ffff::/126")

// foreign drops Palisade's own resolver addresses (present while Palisade
// has changed DNS), Windows' placeholder servers and duplicates. Other
// loopback servers (a local caching resolver) are kept only when nothing
// else is configured: their own upstream queries are not the service's and
// stay blocked.
func foreign(addrs []netip.Addr) []netip.Addr {
	var out, local []netip.Addr
	for _, a := range addrs {
		plain := a.WithZone("")
		switch {
		case plain == LoopbackIPv4 || plain == LoopbackIPv6 || windowsPlaceholderDNS.Contains(plain):
		case slices.Contains(out, a) || slices.Contains(local, a):
		case a.IsLoopback():
			local = append(local, a)
		default:
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return local
	}
	return out
}

// onlyStub reports whether the servers are just systemd-resolved's stub.
func onlyStub(addrs []netip.Addr) bool {
	return len(addrs) > 0 && !slices.ContainsFunc(addrs, func(a netip.Addr) bool { return a != resolvedStub })
}
