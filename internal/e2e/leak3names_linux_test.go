package e2e

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"golang.org/x/sys/unix"
)

// nameCounters counts, at the LAN router, what arrives from the client's
// link for each local name service and for DNS in disguise, per family,
// and the sentinel (a DHCPv4 broadcast, which the kill switch lets out
// whatever allow-LAN says) sent after the probes. First match counts.
const nameCounters = `table inet palnames {
	counter dns4 {}
	counter dns6 {}
	counter mdns4 {}
	counter mdns6 {}
	counter llmnr4 {}
	counter llmnr6 {}
	counter llmnrtcp4 {}
	counter llmnrtcp6 {}
	counter nbns4 {}
	counter dot4 {}
	counter dot6 {}
	counter mdnsuni4 {}
	counter mdnsuni6 {}
	counter sentinel {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname != "lan0" accept
		meta nfproto ipv4 meta l4proto { tcp, udp } th dport 53 counter name "dns4" accept
		meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 counter name "dns6" accept
		ip daddr 224.0.0.251 udp dport 5353 counter name "mdns4" accept
		ip6 daddr ff02::fb udp dport 5353 counter name "mdns6" accept
		ip daddr 224.0.0.252 udp dport 5355 counter name "llmnr4" accept
		ip6 daddr ff02::1:3 udp dport 5355 counter name "llmnr6" accept
		meta nfproto ipv4 tcp dport 5355 counter name "llmnrtcp4" accept
		meta nfproto ipv6 tcp dport 5355 counter name "llmnrtcp6" accept
		udp dport 137 counter name "nbns4" accept
		meta nfproto ipv4 meta l4proto { tcp, udp } th dport 853 counter name "dot4" accept
		meta nfproto ipv6 meta l4proto { tcp, udp } th dport 853 counter name "dot6" accept
		meta nfproto ipv4 udp dport 5353 counter name "mdnsuni4" accept
		meta nfproto ipv6 udp dport 5353 counter name "mdnsuni6" accept
		udp sport 68 udp dport 67 counter name "sentinel" accept
	}
}
`

// localNames are the counters of the LAN's own name services: with
// allow-LAN on they reach the LAN (Mullvad's local network sharing lets
// mDNS and the like through); off, nothing does. The rest are DNS in
// disguise and never reach it.
var localNames = []string{"mdns4", "mdns6", "llmnr4", "llmnr6", "llmnrtcp4", "llmnrtcp6", "nbns4", "mdnsuni4", "mdnsuni6"}

// nameProbe is one datagram or connection a resolver might send.
type nameProbe struct {
	network string // udp4, udp6, tcp4, tcp6
	addr    string
	// bound binds the socket to the physical interface, as a stub sets
	// IP_MULTICAST_IF; broadcast sets SO_BROADCAST.
	bound, broadcast bool
}

func nameProbes() []nameProbe {
	l4, l6, ula := testbed.LANIPv4.String(), testbed.LANIPv6.String(), testbed.LANULA.String()
	hp := net.JoinHostPort
	return []nameProbe{
		// mDNS, LLMNR and NetBIOS name service, as stubs send them.
		{network: "udp4", addr: "224.0.0.251:5353", bound: true},
		{network: "udp6", addr: "[ff02::fb%eth0]:5353"},
		{network: "udp4", addr: "224.0.0.252:5355", bound: true},
		{network: "udp6", addr: "[ff02::1:3%eth0]:5355"},
		{network: "tcp4", addr: hp(l4, "5355")},
		{network: "tcp6", addr: hp(l6, "5355")},
		{network: "udp4", addr: "192.168.50.255:137", broadcast: true},
		{network: "udp4", addr: "255.255.255.255:137", bound: true, broadcast: true},
		{network: "udp4", addr: hp(l4, "5353")},
		{network: "udp6", addr: hp(l6, "5353")},
		// DNS to port 53 by multicast and broadcast.
		{network: "udp4", addr: "224.0.0.251:53", bound: true},
		{network: "udp6", addr: "[ff02::fb%eth0]:53"},
		{network: "udp6", addr: "[ff02::1:3%eth0]:53"},
		{network: "udp4", addr: "192.168.50.255:53", broadcast: true},
		{network: "udp4", addr: "255.255.255.255:53", bound: true, broadcast: true},
		// DNS over TLS and QUIC to the LAN router.
		{network: "tcp4", addr: hp(l4, "853")},
		{network: "tcp6", addr: hp(l6, "853")},
		{network: "tcp6", addr: hp(ula, "853")},
		{network: "udp4", addr: hp(l4, "853")},
		{network: "udp6", addr: hp(l6, "853")},
	}
}

// optsDialer sets SO_BINDTODEVICE eth0, SO_BROADCAST and a local port (0:
// any) on the socket before it connects.
func optsDialer(bound, broadcast bool, port int) net.Dialer {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if bound {
				serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, "eth0")
			}
			if broadcast && serr == nil {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	if port != 0 {
		d.LocalAddr = &net.UDPAddr{Port: port}
	}
	return d
}

// sendNameProbes sends every probe once from the client (TCP: one
// connection attempt, bounded), then the sentinel.
func sendNameProbes(b *testbed.Bed) error {
	q := new(dns.Msg)
	q.SetQuestion("leak3.local.", dns.TypeA)
	query, _ := q.Pack()
	return b.Do(testbed.RoleClient, func() error {
		for _, p := range nameProbes() {
			d := optsDialer(p.bound, p.broadcast, 0)
			d.Timeout = time.Second
			if c, err := d.Dial(p.network, p.addr); err == nil {
				c.Write(query)
				c.Close()
			}
		}
		d := optsDialer(true, true, 68)
		c, err := d.Dial("udp4", "255.255.255.255:67")
		if err != nil {
			return fmt.Errorf("sentinel: %w", err)
		}
		defer c.Close()
		_, err = c.Write([]byte("sentinel"))
		return err
	})
}

// nameCounts resets the counters, sends the probes and returns the counts
// once the sentinel arrived (bounded).
func nameCounts(t *testing.T, b *testbed.Bed) map[string]uint64 {
	t.Helper()
	if err := b.ResetCounters(testbed.RoleLAN, "inet", "palnames"); err != nil {
		t.Fatal(err)
	}
	if err := sendNameProbes(b); err != nil {
		t.Fatal(err)
	}
	var c map[string]uint64
	waitFor(t, 10*time.Second, "the sentinel after the name probes", func() bool {
		var err error
		c, err = b.Counters(testbed.RoleLAN, "inet", "palnames")
		return err == nil && c["sentinel"] >= 1
	})
	delete(c, "sentinel")
	return c
}

// TestNameServiceSideDoors sends, connected with the kill switch on, what
// resolvers send besides unicast DNS, both families: mDNS (224.0.0.251,
// ff02::fb, and unicast to 5353), LLMNR (224.0.0.252, ff02::1:3, TCP
// 5355), NetBIOS name service broadcasts, DNS to port 53 by multicast and
// broadcast, and DNS over TLS (TCP 853) and QUIC (UDP 853) to the LAN
// router. With allow-LAN on the LAN's own name services pass, as in
// Mullvad's local network sharing, and DNS in disguise does not; with
// allow-LAN off nothing reaches the LAN. Before palisaded runs, every
// probe reaches the LAN router, so every count can fail.
func TestNameServiceSideDoors(t *testing.T) {
	bed := countingBed(t, nameCounters)
	waitFor(t, 10*time.Second, "baseline: every name probe reaching the LAN", func() bool {
		return len(missing(nameCounts(t, bed), nil)) == 0
	})

	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	// The LAN's name services arrive; poll, bounded, until all did.
	var c map[string]uint64
	waitFor(t, 15*time.Second, "allow-LAN on: the LAN's name services reaching it", func() bool {
		c = nameCounts(t, bed)
		return len(missing(c, localNames)) == 0
	})
	if leaked := nonzero(c, localNames); len(leaked) > 0 {
		t.Errorf("allow-LAN on: DNS in disguise reached the LAN: %s", strings.Join(leaked, ", "))
	}

	mustCLI(t, n, "set", "allow-lan", "off")
	waitFor(t, 10*time.Second, "allow-LAN off applied", func() bool {
		out, err := n.cli(t, "firewall", "show")
		return err == nil && !strings.Contains(out, "allow_lan")
	})
	if leaked := nonzero(nameCounts(t, bed), nil); len(leaked) > 0 {
		t.Errorf("allow-LAN off: reached the LAN: %s", strings.Join(leaked, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if seen, err := bed.ProbeTCP(ctx, netip.AddrPortFrom(testbed.InternetIPv6, testbed.HTTPPort)); err != nil || seen != testbed.ServerIPv6.String() {
		t.Errorf("allow-LAN off: the tunnel does not work: seen %q, %v", seen, err)
	}
}

// missing lists the counters of want (all of c when want is nil) that
// counted nothing.
func missing(c map[string]uint64, want []string) []string {
	var out []string
	for k, v := range c {
		if v == 0 && (want == nil || slices.Contains(want, k)) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// nonzero lists the counters outside except that counted something.
func nonzero(c map[string]uint64, except []string) []string {
	var out []string
	for k, v := range c {
		if v != 0 && !slices.Contains(except, k) {
			out = append(out, fmt.Sprintf("%s %d", k, v))
		}
	}
	sort.Strings(out)
	return out
}
