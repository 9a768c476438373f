package e2e

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// rawCounters counts, at the LAN router's ingress from the client's link
// (netdev: before any reassembly or routing), every packet addressed to
// internet, the fragments and port-53 packets addressed to the LAN router,
// and the sentinels: an allowed LAN packet sent after each trick, so a
// trick's count is read only once everything sent before it had the time
// to cross the link.
const rawCounters = `table netdev palraw {
	counter inet4 {}
	counter inet6 {}
	counter lan4 {}
	counter lan6 {}
	counter sentinel4 {}
	counter sentinel6 {}
	chain in {
		type filter hook ingress device "lan0" priority -500; policy accept;
		ip daddr 203.0.113.10 counter name "inet4"
		ip6 daddr 2001:db8:200::10 counter name "inet6"
		ip daddr 192.168.50.1 ip frag-off & 0x3fff != 0 counter name "lan4"
		ip daddr 192.168.50.1 udp dport 53 counter name "lan4"
		ip6 daddr 2001:db8:50::1 exthdr frag exists counter name "lan6"
		ip6 daddr 2001:db8:50::1 udp dport 53 counter name "lan6"
		ip daddr 192.168.50.1 udp dport 9 counter name "sentinel4"
		ip6 daddr 2001:db8:50::1 udp dport 9 counter name "sentinel6"
	}
}
`

// rawTrick is one way to shape packets around port- or type-matching
// rules; counter names what counts them in rawCounters.
type rawTrick struct {
	name, counter string
	pkts          [][]byte
}

// rawTricks builds the packet tricks of both families: fragments whose
// first piece holds only the first 8 bytes of the transport header (or
// nothing of it), IPv6 extension header chains before the transport
// header, ICMP and ICMPv6 errors and NDP messages carrying data to an
// internet host, a source spoofed to the tunnel address, and UDP from the
// DHCP client port.
func rawTricks() []rawTrick {
	c4, c6 := testbed.ClientIPv4, testbed.ClientIPv6
	i4, i6 := testbed.InternetIPv4, testbed.InternetIPv6
	q := new(dns.Msg)
	q.SetQuestion("secret.leak3.test.", dns.TypeA)
	query, _ := q.Pack()
	udpEcho := udpPacket(40001, testbed.EchoPort, secret)
	udpDNS := udpPacket(40002, testbed.DNSPort, query)
	syn := tcpSyn(40003, testbed.HTTPPort)
	split4 := func(src, dst netip.Addr, proto byte, id uint16, l4 []byte) [][]byte {
		return [][]byte{ip4(src, dst, proto, id, 0, true, l4[:8]), ip4(src, dst, proto, id, 8, false, l4[8:])}
	}
	split6 := func(src, dst netip.Addr, next byte, id uint32, l4 []byte) [][]byte {
		return [][]byte{
			ip6(src, dst, protoFragment, 64, fragment6(next, 0, true, id, l4[:8])),
			ip6(src, dst, protoFragment, 64, fragment6(next, 8, false, id, l4[8:])),
		}
	}
	one := func(p []byte) [][]byte { return [][]byte{p} }
	target := i6.As16()
	nd := append(target[:], secret...)
	return []rawTrick{
		{"IPv4 UDP in two fragments, the first 8 bytes", "inet4", split4(c4, i4, protoUDP, 0x3101, udpEcho)},
		{"IPv4 DNS in two fragments, the first 8 bytes", "inet4", split4(c4, i4, protoUDP, 0x3102, udpDNS)},
		{"IPv4 TCP SYN in two fragments, flags in the second", "inet4", split4(c4, i4, protoTCP, 0x3103, syn)},
		{"IPv4 later fragment alone", "inet4", one(ip4(c4, i4, protoUDP, 0x3104, 64, false, secret))},
		{"IPv4 ICMP destination unreachable carrying data", "inet4", one(ip4(c4, i4, protoICMP, 0x3105, 0, false, icmpMsg(3, 3, 0, secret)))},
		{"IPv4 ICMP echo reply carrying data", "inet4", one(ip4(c4, i4, protoICMP, 0x3106, 0, false, icmpMsg(0, 0, 1, secret)))},
		{"IPv4 from the tunnel address", "inet4", one(ip4(testbed.TunnelClientIPv4, i4, protoUDP, 0x3107, 0, false, udpEcho))},
		{"IPv4 UDP from the DHCP client port", "inet4", one(ip4(c4, i4, protoUDP, 0x3108, 0, false, udpPacket(68, 67, secret)))},
		{"IPv4 DNS to the LAN router in two fragments", "lan4", split4(c4, testbed.LANIPv4, protoUDP, 0x3109, udpDNS)},

		{"IPv6 UDP after hop-by-hop options", "inet6", one(ip6(c6, i6, protoHopByHop, 64, options6(protoUDP, udpEcho)))},
		{"IPv6 UDP after destination options", "inet6", one(ip6(c6, i6, protoDstOpts, 64, options6(protoUDP, udpEcho)))},
		{"IPv6 UDP after a type 0 routing header", "inet6", one(ip6(c6, i6, protoRouting, 64, routing0(protoUDP, []netip.Addr{i6}, udpEcho)))},
		{"IPv6 DNS after hop-by-hop, destination options and routing headers", "inet6", one(ip6(c6, i6, protoHopByHop, 64,
			options6(protoDstOpts, options6(protoRouting, routing0(protoUDP, []netip.Addr{i6}, udpDNS)))))},
		{"IPv6 UDP in an atomic fragment", "inet6", one(ip6(c6, i6, protoFragment, 64, fragment6(protoUDP, 0, false, 0x6101, udpEcho)))},
		{"IPv6 UDP in two fragments, the first 8 bytes", "inet6", split6(c6, i6, protoUDP, 0x6102, udpEcho)},
		{"IPv6 DNS in two fragments, the first 8 bytes", "inet6", split6(c6, i6, protoUDP, 0x6103, udpDNS)},
		{"IPv6 TCP SYN in two fragments, flags in the second", "inet6", split6(c6, i6, protoTCP, 0x6104, syn)},
		{"IPv6 later fragment alone", "inet6", one(ip6(c6, i6, protoFragment, 64, fragment6(protoUDP, 64, false, 0x6105, secret)))},
		{"IPv6 packet too big carrying data", "inet6", one(ip6(c6, i6, protoICMPv6, 64, icmpMsg(2, 0, 1280, secret)))},
		{"IPv6 neighbour solicitation to an internet host", "inet6", one(ip6(c6, i6, protoICMPv6, 255, icmpMsg(135, 0, 0, nd)))},
		{"IPv6 neighbour advertisement to an internet host", "inet6", one(ip6(c6, i6, protoICMPv6, 255, icmpMsg(136, 0, 0x60000000, nd)))},
		{"IPv6 destination unreachable carrying data", "inet6", one(ip6(c6, i6, protoICMPv6, 64, icmpMsg(1, 4, 0, secret)))},
		{"IPv6 echo reply carrying data", "inet6", one(ip6(c6, i6, protoICMPv6, 64, icmpMsg(129, 0, 1, secret)))},
		{"IPv6 from the tunnel address", "inet6", one(ip6(testbed.TunnelClientIPv6, i6, protoUDP, 64, udpEcho))},
		{"IPv6 DNS to the LAN router in two fragments", "lan6", split6(c6, testbed.LANIPv6, protoUDP, 0x6106, udpDNS)},
	}
}

// sentinel is an allowed packet to the LAN router (allow-LAN on) of the
// trick's family.
func sentinel(tr rawTrick) (counter string, pkt []byte) {
	u := udpPacket(40009, 9, []byte("sentinel"))
	if tr.pkts[0][0]>>4 == 6 {
		return "sentinel6", ip6(testbed.ClientIPv6, testbed.LANIPv6, protoUDP, 64, u)
	}
	return "sentinel4", ip4(testbed.ClientIPv4, testbed.LANIPv4, protoUDP, 0x3199, 0, false, u)
}

// runTrick sends one trick and then its sentinel from the client's
// physical interface and returns what crossed the link to the LAN router,
// read once the sentinel arrived (bounded).
func runTrick(t *testing.T, b *testbed.Bed, tr rawTrick) (uint64, error) {
	t.Helper()
	if err := b.ResetCounters(testbed.RoleLAN, "netdev", "palraw"); err != nil {
		t.Fatal(err)
	}
	name, pkt := sentinel(tr)
	sendErr := b.Do(testbed.RoleClient, func() error { return sendRaw("eth0", tr.pkts) })
	if err := b.Do(testbed.RoleClient, func() error { return sendRaw("eth0", [][]byte{pkt}) }); err != nil {
		t.Fatalf("%s: sentinel to the LAN router: %v", tr.name, err)
	}
	var c map[string]uint64
	waitFor(t, 10*time.Second, "the sentinel after "+tr.name, func() bool {
		var err error
		c, err = b.Counters(testbed.RoleLAN, "netdev", "palraw")
		return err == nil && c[name] >= 1
	})
	return c[tr.counter], sendErr
}

// TestPacketTricksStayIn sends, from a raw socket bound to the client's
// physical interface while connected (kill switch auto, allow-LAN on),
// packets shaped to slip past rules that match ports or ICMP types:
// fragments with a tiny first piece, lone later fragments, IPv6 extension
// header chains, ICMP(v6) errors and NDP messages carrying data to an
// internet host, a source spoofed to the tunnel address, UDP from the
// DHCP client port, and fragmented DNS to the LAN router. None may cross
// the link. Before palisaded starts every one does, so each count can
// fail.
func TestPacketTricksStayIn(t *testing.T) {
	bed := countingBed(t, rawCounters)
	tricks := rawTricks()
	for _, tr := range tricks {
		var got uint64
		var err error
		waitFor(t, 10*time.Second, "baseline: "+tr.name+" crossing the link", func() bool {
			got, err = runTrick(t, bed, tr)
			return got >= uint64(len(tr.pkts))
		})
		if err != nil {
			t.Fatalf("baseline: %s: %v", tr.name, err)
		}
	}

	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	var leaked []string
	for _, tr := range tricks {
		if got, _ := runTrick(t, bed, tr); got != 0 {
			leaked = append(leaked, fmt.Sprintf("%s: %d packets", tr.name, got))
		}
	}
	for _, l := range leaked {
		t.Errorf("crossed the link outside the tunnel: %s", l)
	}
	if st, err := n.client.Status(t.Context()); err != nil || st.State != ipc.Connected {
		t.Errorf("after the tricks: %+v, %v", st.State, err)
	}
}

// countingBed builds a bed (skipping when not root) whose LAN router
// counts with the given nft table.
func countingBed(t *testing.T, counters string) *testbed.Bed {
	t.Helper()
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	if err := bed.LoadNFT(testbed.RoleLAN, counters); err != nil {
		t.Fatal(err)
	}
	return bed
}
