package platform

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"
)

// WatchRouterOptions calls fn with each option of every router
// advertisement the host receives, with the interface's name. It reads
// them from a raw ICMPv6 socket filtered to router advertisements, not
// from the kernel's RTNLGRP_ND_USEROPT messages: the kernel sends those
// only for interfaces where it processes advertisements itself, and
// NetworkManager and systemd-networkd turn that off (accept_ra=0) to do it
// in user space. At start it solicits the routers of every interface
// (one router solicitation each, as the OS does on link-up), so a router
// speaking only every ten minutes is heard at once. stop ends the watch.
func WatchRouterOptions(log *slog.Logger, fn func(iface string, o RouterOption)) (stop func(), err error) {
	c, err := icmp.ListenPacket("ip6:ipv6-icmp", "::")
	if err != nil {
		return nil, err
	}
	pc := c.IPv6PacketConn()
	var f ipv6.ICMPFilter
	f.SetAll(true)
	f.Accept(ipv6.ICMPTypeRouterAdvertisement)
	if err := pc.SetICMPFilter(&f); err != nil {
		c.Close()
		return nil, err
	}
	if err := pc.SetControlMessage(ipv6.FlagHopLimit|ipv6.FlagInterface, true); err != nil {
		c.Close()
		return nil, err
	}
	solicit(log, c, pc)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, cm, src, err := pc.ReadFrom(buf)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					log.Warn("router advertisements: read failed, no more PREF64 from router advertisements", "err", err)
				}
				return
			}
			// fn may keep the options: they must not share buf.
			deliver(log, slices.Clone(buf[:n]), cm, src, fn)
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { c.Close(); wg.Wait() }) }, nil
}

// deliver checks one received message and hands its options to fn.
func deliver(log *slog.Logger, msg []byte, cm *ipv6.ControlMessage, src net.Addr, fn func(iface string, o RouterOption)) {
	ipa, ok := src.(*net.IPAddr)
	if cm == nil || !ok {
		return
	}
	from, _ := netip.AddrFromSlice(ipa.IP)
	if err := trustedAdvertisement(cm.HopLimit, from); err != nil {
		log.Info("router advertisement ignored", "err", err)
		return
	}
	opts, err := ParseRouterAdvertisement(msg)
	if err != nil {
		log.Info("router advertisement ignored", "from", from, "err", err)
		return
	}
	ifi, err := net.InterfaceByIndex(cm.IfIndex)
	if err != nil {
		return
	}
	for _, o := range opts {
		fn(ifi.Name, RouterOption{IfIndex: cm.IfIndex, Router: from, Option: o})
	}
}

// solicit sends a router solicitation (RFC 4861 section 4.1) on every
// interface that is up and does multicast: routers answer with an
// advertisement at once.
func solicit(log *slog.Logger, c *icmp.PacketConn, pc *ipv6.PacketConn) {
	ifs, err := net.Interfaces()
	if err != nil {
		return
	}
	if err := pc.SetMulticastHopLimit(255); err != nil {
		log.Info("router solicitation: hop limit not settable", "err", err)
		return
	}
	rs, _ := (&icmp.Message{Type: ipv6.ICMPTypeRouterSolicitation, Body: &icmp.RawBody{Data: make([]byte, 4)}}).Marshal(nil)
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		if _, err := c.WriteTo(rs, &net.IPAddr{IP: net.ParseIP("ff02::2"), Zone: ifi.Name}); err != nil {
			log.Debug("router solicitation not sent", "iface", ifi.Name, "err", err)
		}
	}
}
