package testbed

import (
	"fmt"
	"net/netip"
	"strings"
)

// keys holds the bed's WireGuard keys, base64 as wg(8) prints them.
type keys struct {
	serverPrivate, serverPublic string
	clientPrivate, clientPublic string
}

// renderProfile writes the client's wg-quick profile.
func renderProfile(k keys, opts ProfileOptions) string {
	var addrs, dnsServers, allowed []string
	if !opts.IPv6Only {
		addrs = append(addrs, netip.PrefixFrom(TunnelClientIPv4, 32).String())
		dnsServers = append(dnsServers, TunnelServerIPv4.String())
		allowed = append(allowed, "0.0.0.0/0")
	}
	if !opts.IPv4Only {
		addrs = append(addrs, netip.PrefixFrom(TunnelClientIPv6, 128).String())
		dnsServers = append(dnsServers, TunnelServerIPv6.String())
		allowed = append(allowed, "::/0")
	}
	if opts.AllowedIPs != nil {
		allowed = opts.AllowedIPs
	}
	endpoint := netip.AddrPortFrom(ServerIPv4, WireGuardPort)
	if opts.EndpointIPv6 {
		endpoint = netip.AddrPortFrom(ServerIPv6, WireGuardPort)
	}
	ep := endpoint.String()
	if opts.EndpointHost != "" {
		ep = fmt.Sprintf("%s:%d", opts.EndpointHost, WireGuardPort)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[Interface]\nPrivateKey = %s\nAddress = %s\nDNS = %s\n\n",
		k.clientPrivate, strings.Join(addrs, ", "), strings.Join(dnsServers, ", "))
	fmt.Fprintf(&b, "[Peer]\nPublicKey = %s\nAllowedIPs = %s\nEndpoint = %s\nPersistentKeepalive = 25\n",
		k.serverPublic, strings.Join(allowed, ", "), ep)
	return b.String()
}

// serverConf is the server peer's wg setconf file.
func serverConf(k keys, noIPv6 bool) string {
	allowed := "10.64.0.2/32"
	if !noIPv6 {
		allowed += ", fd64::2/128"
	}
	return fmt.Sprintf("[Interface]\nPrivateKey = %s\nListenPort = %d\n\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n",
		k.serverPrivate, WireGuardPort, k.clientPublic, allowed)
}

// plainClientConf is the wg setconf file of the plain wireguard-go client.
func plainClientConf(k keys, endpoint netip.AddrPort) string {
	return fmt.Sprintf("[Interface]\nPrivateKey = %s\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = %s\nPersistentKeepalive = 25\n",
		k.clientPrivate, k.serverPublic, endpoint)
}
