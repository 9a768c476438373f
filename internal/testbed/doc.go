// Package testbed builds the Linux end-to-end test bed of the design brief out
// of real network namespaces, veth pairs and a real WireGuard server peer, so
// tests can run palisaded in the client namespace and count what leaks.
//
// Topology (fixed; tests elsewhere hard-code these addresses):
//
//	client eth0 ── lan0 lan wan0 ── eth0 server (wireguard-go, tunnel DNS)
//	                       inet0 ── eth0 internet (TCP/UDP/DNS services, leak counters)
//
// lan routes both families without NAT, so anything leaving the client outside
// the tunnel reaches internet with one of the client's own addresses; server
// masquerades tunnel traffic, so tunnelled traffic arrives from ServerIPv4 or
// ServerIPv6.
//
// Typical use from a Linux test:
//
//	b := testbed.New(t, testbed.Options{})
//	d := b.StartDaemon(t, palisaded, args...) // in the client namespace
//	// import b.ProfileText(testbed.ProfileOptions{}) and connect via d.Exec(cli, ...)
//	b.ResetLeakCounts()
//	src, err := b.ProbeTCP(ctx, netip.AddrPortFrom(testbed.InternetIPv6, testbed.HTTPPort))
//	// src == testbed.ServerIPv6.String() when tunnelled
//	counts, err := b.LeakCounts() // all zero when nothing leaked
//
// Only the address plan and the pure helpers build on every OS; the bed itself
// is Linux-only and needs root, so tests using it belong in _linux_test.go
// files.
package testbed

import "net/netip"

// Roles name the namespaces of a bed.
const (
	RoleClient   = "client"
	RoleLAN      = "lan"
	RoleServer   = "server"
	RoleInternet = "internet"
)

// Ports of the bed's services.
const (
	WireGuardPort = 51820
	HTTPPort      = 80
	EchoPort      = 7
	DNSPort       = 53
	// IPPort serves HTTP "what is my IP": GET / answers the caller's
	// address as plain text, like the outside services the self-check asks.
	IPPort = 8080
)

// Names answered by the bed's DNS servers. The public server on internet
// answers every name but TunnelName; the tunnel server on server answers all.
const (
	ExampleName = "example.test." // A ExampleIPv4, AAAA ExampleIPv6
	V4OnlyName  = "v4only.test."  // A ExampleIPv4 only
	V6OnlyName  = "v6only.test."  // AAAA ExampleIPv6 only
	BigName     = "big.test."     // BigRecords A records: too large for plain UDP
	WhoamiName  = "whoami.test."  // TXT with the querier's source address
	TunnelName  = "tunnel.test."  // A TunnelNameIPv4, AAAA TunnelNameIPv6
	Server4Name = "server4.test." // A ServerIPv4 only: the server by a name without AAAA
	// DiscoveryName has ipv4only.arpa's A records 192.0.0.170 and
	// 192.0.0.171 (RFC 7050), which a DNS64 resolver synthesizes from.
	DiscoveryName = "ipv4only.arpa."
	IPName        = "ip.test." // A InternetIPv4, AAAA InternetIPv6: the IPPort service
	BigRecords    = 64
)

// Addresses of the client's LAN link.
var (
	ClientIPv4 = netip.MustParseAddr("192.168.50.2")
	ClientULA  = netip.MustParseAddr("fd50::2")
	ClientIPv6 = netip.MustParseAddr("2001:db8:50::2")
	LANIPv4    = netip.MustParseAddr("192.168.50.1")
	LANULA     = netip.MustParseAddr("fd50::1")
	LANIPv6    = netip.MustParseAddr("2001:db8:50::1")

	ClientPrefixIPv4 = netip.MustParsePrefix("192.168.50.0/24")
	ClientPrefixULA  = netip.MustParsePrefix("fd50::/64")
	ClientPrefixIPv6 = netip.MustParsePrefix("2001:db8:50::/64")
)

// Addresses of the server and internet hosts and of the tunnel.
var (
	LANWANIPv4 = netip.MustParseAddr("198.51.100.1")
	LANWANIPv6 = netip.MustParseAddr("2001:db8:100::1")
	ServerIPv4 = netip.MustParseAddr("198.51.100.2")
	ServerIPv6 = netip.MustParseAddr("2001:db8:100::2")

	LANInetIPv4  = netip.MustParseAddr("203.0.113.1")
	LANInetIPv6  = netip.MustParseAddr("2001:db8:200::1")
	InternetIPv4 = netip.MustParseAddr("203.0.113.10")
	InternetIPv6 = netip.MustParseAddr("2001:db8:200::10")

	TunnelServerIPv4 = netip.MustParseAddr("10.64.0.1")
	TunnelServerIPv6 = netip.MustParseAddr("fd64::1")
	TunnelClientIPv4 = netip.MustParseAddr("10.64.0.2")
	TunnelClientIPv6 = netip.MustParseAddr("fd64::2")

	ExampleIPv4    = netip.MustParseAddr("203.0.113.80")
	ExampleIPv6    = netip.MustParseAddr("2001:db8:200::80")
	TunnelNameIPv4 = netip.MustParseAddr("10.64.0.80")
	TunnelNameIPv6 = netip.MustParseAddr("fd64::80")
)

// ResolvConf is what a daemon started with StartDaemon finds in
// /etc/resolv.conf: the public DNS server, as an ISP would hand out.
const ResolvConf = "nameserver 203.0.113.10\nnameserver 2001:db8:200::10\n"

// The LAN router's DNS server (on LANIPv4 and LANULA) answers HomeName with
// the addresses set by SetHomeAddrs, and ProbeName with LANIPv4 and LANULA,
// and answers nothing else; LANQueries counts what it was asked. It stands
// for a home router's DNS knowing a dynamic-DNS or local name.
const (
	HomeName  = "vpn.home.test."
	ProbeName = "probe.home.test."
)

// The LAN router's NAT64 and DNS64 (Options.NAT64): tayga translates
// NAT64Prefix, a network-specific prefix out of the bed's documentation
// space (tayga will not translate the well-known 64:ff9b::/96 to
// non-global IPv4 such as the bed's), from the IPv4 pool NAT64Pool; unbound
// on LANIPv6 synthesizes AAAA records under it. DNS64ResolvConf points a
// daemon at that resolver.
var (
	NAT64Prefix = netip.MustParsePrefix("2001:db8:64::/96")
	NAT64Pool   = netip.MustParsePrefix("192.168.255.0/24")
)

// DNS64ResolvConf names the LAN router's DNS64 resolver.
const DNS64ResolvConf = "nameserver 2001:db8:50::1\n"

// PublicResolvConf6 names the public DNS server by its IPv6 address only,
// which an IPv6-only LAN reaches: a resolver without DNS64.
const PublicResolvConf6 = "nameserver 2001:db8:200::10\n"

// Resolv.conf contents naming the LAN router's DNS, one per family.
const (
	LANResolvConf4 = "nameserver 192.168.50.1\n"
	LANResolvConf6 = "nameserver fd50::1\n"
)

// Options shape a bed.
type Options struct {
	// ClientNoIPv6 sets disable_ipv6=1 on every client interface, like a host
	// with IPv6 turned off; the client then has no IPv6 address or route.
	ClientNoIPv6 bool
	// DaemonResolvConf replaces ResolvConf as the daemon's /etc/resolv.conf,
	// e.g. LANResolvConf4 to use the LAN router's DNS.
	DaemonResolvConf string
	// DaemonSessions are uids the daemon sees as logged in: a scratch
	// directory with an empty file per uid is mounted over logind's
	// /run/systemd/users in the daemon's mount namespace only (the host's
	// directory must exist as the mount point).
	DaemonSessions []int
	// ServerNoIPv6Tunnel gives the server peer only 10.64.0.1, for IPv4-only
	// profiles (ProfileOptions.IPv4Only) and tunnel DNS on 10.64.0.1 only.
	ServerNoIPv6Tunnel bool
	// NAT64 runs NAT64 (tayga) and a DNS64 resolver (unbound) on the LAN
	// router, and keeps the server's WireGuard port IPv4-only.
	NAT64 bool
	// LANIPv6Only leaves IPv4 off the client's link altogether; with NAT64
	// it is an IPv6-only network reaching IPv4 through the translator.
	LANIPv6Only bool
	// PREF64 makes the LAN router announce NAT64Prefix in its router
	// advertisements (RFC 8781), every second, as the client's default
	// router; with NoDNS64 that is the only way to learn the prefix.
	PREF64 bool
	// NoDNS64 runs the NAT64 without the DNS64 resolver.
	NoDNS64 bool
	// TunnelDNS64 makes the server's tunnel DNS a DNS64 resolver under
	// NAT64Prefix (seed 003's IPv6-native VPN), synthesizing AAAA records
	// for A-only names and ipv4only.arpa.
	TunnelDNS64 bool
}

// ProfileOptions shape the client profile returned by ProfileText.
type ProfileOptions struct {
	IPv4Only     bool // tunnel addresses and AllowedIPs of IPv4 only
	IPv6Only     bool // tunnel addresses and AllowedIPs of IPv6 only (fd64::2, ::/0, DNS fd64::1)
	EndpointIPv6 bool // endpoint [2001:db8:100::2]:51820 instead of 198.51.100.2:51820
	// AllowedIPs replaces the default 0.0.0.0/0 (and ::/0) when set.
	AllowedIPs []string
	// EndpointHost, when set, is the endpoint's host name (port 51820),
	// e.g. HomeName without the final dot.
	EndpointHost string
}
