package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// SetLANMTU sets the MTU of the client's LAN link, both ends (the client's
// eth0 and lan's lan0), like a PPPoE or tethered uplink.
func (b *Bed) SetLANMTU(mtu int) error {
	if err := b.ipBatch(RoleLAN, "link set lan0 mtu "+strconv.Itoa(mtu)); err != nil {
		return err
	}
	return b.ipBatch(RoleClient, "link set eth0 mtu "+strconv.Itoa(mtu))
}

// NarrowLANRouter narrows the LAN router's side of the client's link
// (lan0) to mtu, leaving the client's side as it is: a hop the client
// cannot see. What the router forwards onto it that is larger never
// arrives: IPv6 and IPv4 with DF are dropped with a "too big" error
// (which BlackholePMTU swallows), and the IPv4 fragments it would make
// of the rest are dropped on their way out, as on the many networks that
// drop fragments. (With fragments allowed, the tunnel's outer IPv4
// datagrams crossed the narrow hop as fragments and an IPv4 endpoint
// never saw it.)
func (b *Bed) NarrowLANRouter(mtu int) error {
	if err := b.ipBatch(RoleLAN, "link set lan0 mtu "+strconv.Itoa(mtu)); err != nil {
		return err
	}
	return b.nft(RoleLAN, `table netdev pmtu_nofrag {
	chain out {
		type filter hook egress device "lan0" priority 0; policy accept;
		ip frag-off & 0x3fff != 0 drop
	}
}
`)
}

// BlackholePMTU makes lan drop the ICMP "fragmentation needed" and ICMPv6
// "packet too big" errors it would send about its narrow LAN link: the
// path MTU discovery black hole of many real uplinks, where a packet too
// big for the link is lost without a word to its sender.
func (b *Bed) BlackholePMTU() error {
	return b.nft(RoleLAN, `table inet pmtu_blackhole {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type destination-unreachable icmp code frag-needed drop
		icmpv6 type packet-too-big drop
	}
}
`)
}

// Download serves size bytes over TCP from the server namespace on port
// and reads them from the client namespace at addr (a tunnel address of the
// server, so the transfer crosses the tunnel), within timeout. It returns
// how many bytes arrived; a transfer that stalls ends at the timeout with
// fewer.
func (b *Bed) Download(addr netip.Addr, port, size int, timeout time.Duration) (int, error) {
	var l net.Listener
	err := b.Do(RoleServer, func() (err error) {
		l, err = net.Listen("tcp", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		return err
	})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		buf := make([]byte, 64<<10)
		for sent := 0; sent < size; sent += len(buf) {
			if _, err := c.Write(buf[:min(len(buf), size-sent)]); err != nil {
				return
			}
		}
	}()
	got := 0
	err = b.Do(RoleClient, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		n, err := io.Copy(io.Discard, c)
		got = int(n)
		return err
	})
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return got, fmt.Errorf("download from %s stalled after %d of %d bytes", addr, got, size)
	}
	return got, err
}
