//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// probeEvery is the pause between two rounds of a probe loop: short enough
// that a gap of a fraction of a second is hit many times.
const probeEvery = 20 * time.Millisecond

// probe sends, until SIGTERM and without pause, what a leak check counts
// on the far side: TCP connects, UDP datagrams and ICMP echoes of both
// families to the internet host, and DNS questions to the ISP's name
// servers (the peer host's addresses). Failures (refused, rejected, timed
// out) are the point and are not reported; the rounds sent are, at exit.
func probe() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var rounds [6]int
	loops := []func(){
		func() { probeTCP("tcp4", testbed.InternetIPv4) },
		func() { probeTCP("tcp6", testbed.InternetIPv6) },
		func() { probeUDPAndICMP(testbed.InternetIPv4) },
		func() { probeUDPAndICMP(testbed.InternetIPv6) },
		func() { probeDNS(testbed.ServerIPv4) },
		func() { probeDNS(testbed.ServerIPv6) },
	}
	var wg sync.WaitGroup
	for i, loop := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				loop()
				rounds[i]++
				time.Sleep(probeEvery)
			}
		}()
	}
	fmt.Println("peer: probing")
	wg.Wait()
	fmt.Println("peer: probe rounds", rounds)
	return nil
}

func probeTCP(network string, dst netip.Addr) {
	c, err := net.DialTimeout(network, netip.AddrPortFrom(dst, testbed.HTTPPort).String(), 200*time.Millisecond)
	if err == nil {
		c.Close()
	}
}

func probeUDPAndICMP(dst netip.Addr) {
	network, echo := "udp4", []byte{8, 0, 0xf7, 0xff, 0, 0, 0, 0} // ICMP echo request, checksum filled in
	raw := "ip4:icmp"
	if dst.Is6() {
		network, raw = "udp6", "ip6:ipv6-icmp"
		echo = []byte{128, 0, 0, 0, 0, 0, 0, 0} // the kernel fills in the ICMPv6 checksum
	}
	if c, err := net.ListenPacket(network, ""); err == nil {
		c.WriteTo([]byte("leak?"), net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, testbed.EchoPort)))
		c.Close()
	}
	if c, err := net.ListenPacket(raw, ""); err == nil {
		c.WriteTo(echo, &net.IPAddr{IP: dst.AsSlice()})
		c.Close()
	}
}

func probeDNS(server netip.Addr) {
	m := new(dns.Msg).SetQuestion(testbed.ExampleName, dns.TypeA)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	c.Exchange(m, netip.AddrPortFrom(server, testbed.DNSPort).String())
}
