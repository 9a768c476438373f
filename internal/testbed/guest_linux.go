package testbed

import (
	"context"
	"net/netip"
)

// RoleGuest is a container or VM behind the client (AddGuest): its
// traffic is forwarded by the client, not sent by it.
const RoleGuest = "guest"

// Addresses of the guest's network, Docker's default bridge network and a
// ULA, with the client's bridge as the gateway.
var (
	GuestIPv4        = netip.MustParseAddr("172.17.0.2")
	GuestIPv6        = netip.MustParseAddr("fd17::2")
	GuestGatewayIPv4 = netip.MustParseAddr("172.17.0.1")
	GuestGatewayIPv6 = netip.MustParseAddr("fd17::1")
)

// guestNAT masquerades the guest's traffic out of every other interface of
// the client, as Docker does (with IPv6 NAT on), in tables of its own.
const guestNAT = `table ip palguest {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 172.17.0.0/16 oifname != "palbr0" masquerade
	}
}
table ip6 palguest {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip6 saddr fd17::/64 oifname != "palbr0" masquerade
	}
}
`

// AddGuest creates the guest namespace behind the client like a Docker
// container: the client gets a bridge palbr0 (GuestGatewayIPv4/IPv6), the
// guest a veth on it with default routes through it, and the client
// forwards and masquerades both families. It is removed with the bed.
func (b *Bed) AddGuest() error {
	if _, err := run(context.Background(), nil, "ip", "netns", "add", b.Namespace(RoleGuest)); err != nil {
		return err
	}
	err := b.ipBatch(RoleClient,
		"link add palbr0 type bridge", "addr add 172.17.0.1/16 dev palbr0", "addr add fd17::1/64 dev palbr0 nodad",
		"link add vguest type veth peer name eth0 netns "+b.Namespace(RoleGuest),
		"link set vguest master palbr0", "link set vguest up", "link set palbr0 up")
	if err != nil {
		return err
	}
	if err := b.sysctl(RoleClient, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"); err != nil {
		return err
	}
	if err := b.sysctl(RoleGuest, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"); err != nil {
		return err
	}
	err = b.ipBatch(RoleGuest, "link set lo up", "addr add 172.17.0.2/16 dev eth0", "addr add fd17::2/64 dev eth0 nodad",
		"link set eth0 up", "route add default via 172.17.0.1", "route add default via fd17::1")
	if err != nil {
		return err
	}
	return b.nft(RoleClient, guestNAT)
}
