package testbed

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"
)

// Advertisement is a router advertisement the bed's router sends: a
// default router for RouterLifetime (zero: not a default router) and the
// NAT64 prefixes of PREF64 options (RFC 8781). Debian's radvd (2.19)
// predates PREF64, so the bed builds the advertisement itself; the
// client's kernel processes it like any other.
type Advertisement struct {
	RouterLifetime time.Duration
	PREF64         []PREF64Option
}

// PREF64Option is one PREF64 option: the prefix (a length RFC 6052
// allows) and its lifetime, sent in units of 8 seconds.
type PREF64Option struct {
	Prefix   netip.Prefix
	Lifetime time.Duration
}

// plcOf is the prefix length code of each allowed length.
var plcOf = map[int]uint16{96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}

// marshal renders the ICMPv6 message body after type, code and checksum.
func (a Advertisement) marshal() ([]byte, error) {
	b := make([]byte, 12)
	b[0] = 64 // current hop limit
	binary.BigEndian.PutUint16(b[2:4], uint16(a.RouterLifetime/time.Second))
	for _, p := range a.PREF64 {
		plc, ok := plcOf[p.Prefix.Bits()]
		if !ok || !p.Prefix.Addr().Is6() {
			return nil, fmt.Errorf("PREF64 %s: not an RFC 6052 prefix", p.Prefix)
		}
		opt := make([]byte, 16)
		opt[0], opt[1] = 38, 2
		scaled := min(uint16(p.Lifetime/(8*time.Second)), 8191)
		binary.BigEndian.PutUint16(opt[2:4], scaled<<3|plc)
		a16 := p.Prefix.Masked().Addr().As16()
		copy(opt[4:], a16[:12])
		b = append(b, opt...)
	}
	return b, nil
}

// Advertiser sends router advertisements on one link until stopped.
type Advertiser struct {
	raw  *icmp.PacketConn
	dst  *net.IPAddr
	mu   sync.Mutex
	ad   Advertisement
	stop chan struct{}
	done chan struct{}
}

// Advertise sends ad from namespace ns on iface to all nodes at once, then
// every interval and in answer to each router solicitation, until Stop;
// Set changes what is sent (and sends it at once).
func Advertise(ns, iface string, ad Advertisement, interval time.Duration) (*Advertiser, error) {
	if _, err := ad.marshal(); err != nil {
		return nil, err
	}
	c, ifi, err := openND(ns, iface)
	if err != nil {
		return nil, err
	}
	a := &Advertiser{raw: c, dst: &net.IPAddr{IP: net.ParseIP("ff02::1"), Zone: ifi.Name}, ad: ad,
		stop: make(chan struct{}), done: make(chan struct{})}
	go a.loop(interval)
	go a.answer()
	return a, nil
}

// answer sends an advertisement at once for every router solicitation,
// as a router does (one that forwards, so it hears ff02::2).
func (a *Advertiser) answer() {
	buf := make([]byte, 1500)
	for {
		n, _, err := a.raw.ReadFrom(buf)
		if err != nil {
			return // closed by Stop
		}
		if n > 0 && buf[0] == byte(ipv6.ICMPTypeRouterSolicitation) {
			a.send()
		}
	}
}

func (a *Advertiser) loop(interval time.Duration) {
	defer close(a.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.send()
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

func (a *Advertiser) send() {
	a.mu.Lock()
	body, _ := a.ad.marshal()
	a.mu.Unlock()
	msg := icmp.Message{Type: ipv6.ICMPTypeRouterAdvertisement, Body: &icmp.RawBody{Data: body}}
	b, err := msg.Marshal(nil)
	if err == nil {
		a.raw.WriteTo(b, a.dst)
	}
}

// Set replaces what is advertised and sends it at once.
func (a *Advertiser) Set(ad Advertisement) error {
	if _, err := ad.marshal(); err != nil {
		return err
	}
	a.mu.Lock()
	a.ad = Advertisement{RouterLifetime: ad.RouterLifetime, PREF64: slices.Clone(ad.PREF64)}
	a.mu.Unlock()
	a.send()
	return nil
}

// Stop ends the advertisements.
func (a *Advertiser) Stop() {
	select {
	case <-a.stop:
		return
	default:
	}
	close(a.stop)
	<-a.done
	a.raw.Close()
}

// openND opens a raw ICMPv6 socket inside namespace ns that sends
// neighbour discovery messages out of iface with the hop limit of 255
// hosts require (they drop ND messages that crossed a router).
func openND(ns, iface string) (*icmp.PacketConn, *net.Interface, error) {
	target, err := netns.GetFromName(ns)
	if err != nil {
		return nil, nil, fmt.Errorf("open namespace %s: %w", ns, err)
	}
	defer target.Close()
	type opened struct {
		c   *icmp.PacketConn
		ifi *net.Interface
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		// The thread stays locked and exits with the goroutine: it is in
		// another namespace now.
		runtime.LockOSThread()
		if err := netns.Set(target); err != nil {
			ch <- opened{err: err}
			return
		}
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			ch <- opened{err: err}
			return
		}
		c, err := icmp.ListenPacket("ip6:ipv6-icmp", "::")
		ch <- opened{c, ifi, err}
	}()
	o := <-ch
	if o.err != nil {
		return nil, nil, fmt.Errorf("neighbour discovery on %s in %s: %w", iface, ns, o.err)
	}
	pc := o.c.IPv6PacketConn()
	for _, set := range []func() error{
		func() error { return pc.SetMulticastHopLimit(255) },
		func() error { return pc.SetHopLimit(255) },
		func() error { return pc.SetMulticastInterface(o.ifi) },
	} {
		if err := set(); err != nil {
			o.c.Close()
			return nil, nil, err
		}
	}
	return o.c, o.ifi, nil
}
