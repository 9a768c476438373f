package e2e

import (
	"context"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/platform"
	"golang.org/x/sys/unix"
)

// lanDNSCounter counts, in the LAN router, every TCP or UDP packet to port
// 53 arriving from the client's link, whatever its address: the router's
// IPv4, ULA, global and link-local addresses alike.
const lanDNSCounter = `table inet palsidedoor {
	counter dns {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname "lan0" meta l4proto { tcp, udp } th dport 53 counter name "dns"
	}
}
`

var packetsRe = regexp.MustCompile(`packets (\d+)`)

// lanDNSPackets reads (and resets) the LAN router's port-53 counter.
func lanDNSPackets(t *testing.T, b *testbed.Bed) uint64 {
	t.Helper()
	out, err := b.Exec(testbed.RoleLAN, "nft", "reset", "counter", "inet", "palsidedoor", "dns")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	m := packetsRe.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no packet count in %q", out)
	}
	n, _ := strconv.ParseUint(string(m[1]), 10, 64)
	return n
}

// sockopt returns a dialer that sets an integer or string socket option
// before connecting, as a program working around a VPN would.
func sockopt(opt int, val int, dev string) net.Dialer {
	return net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if dev != "" {
				serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, opt, dev)
			} else {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, val)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// askDNS sends one query from the client over network ("udp" or "tcp")
// with a socket made by d.
func askDNS(b *testbed.Bed, d net.Dialer, network string, server netip.AddrPort) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(testbed.ExampleName, dns.TypeA)
	return b.Do(testbed.RoleClient, func() error {
		c := dns.Client{Net: network, Dialer: &d}
		_, _, err := c.ExchangeContext(ctx, q, server.String())
		return err
	})
}

// TestSideDoorsStayShut tries, while connected with the default settings
// (kill switch auto, allow-LAN on), the ways a program can aim around the
// tunnel: DNS over TCP to a public resolver, DNS to every address of the
// LAN router including its IPv6 link-local one, DoT and DoH ports of a
// public resolver, a socket bound to the physical interface
// (SO_BINDTODEVICE), and sockets carrying the service's own WireGuard and
// resolver marks (SO_MARK, which any root process can set). DNS must be
// refused, DoT/DoH must go through the tunnel, and nothing may reach
// internet or the LAN's DNS outside the tunnel; both families.
func TestSideDoorsStayShut(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	for _, a := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		for _, port := range []uint16{853, 443} {
			if err := bed.ServeWhoami(testbed.RoleInternet, netip.AddrPortFrom(a, port)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := bed.Exec(testbed.RoleLAN, "sh", "-c", "printf '%s' '"+lanDNSCounter+"' | nft -f -"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lanDNS := []netip.AddrPort{}
	for _, a := range []netip.Addr{testbed.LANIPv4, testbed.LANULA, testbed.LANIPv6, lanLinkLocal(t, bed)} {
		lanDNS = append(lanDNS, netip.AddrPortFrom(a, testbed.DNSPort))
	}
	// Without palisaded the LAN router sees the queries and internet the
	// probes, so the counters below can fail.
	for _, s := range lanDNS {
		askDNS(bed, net.Dialer{}, "udp", s)
	}
	if n := lanDNSPackets(t, bed); n < uint64(len(lanDNS)) {
		t.Fatalf("baseline: the LAN router counted %d of %d queries", n, len(lanDNS))
	}
	outsideBaseline(t, bed)

	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	lanDNSPackets(t, bed)
	if err := bed.ResetOutsideCounts(); err != nil {
		t.Fatal(err)
	}

	plain := net.Dialer{}
	bound := sockopt(unix.SO_BINDTODEVICE, 0, "eth0")
	wgMark := sockopt(unix.SO_MARK, platform.FwMark, "")
	dnsMark := sockopt(unix.SO_MARK, platform.DNSMark, "")
	servers := map[netip.Addr]string{testbed.InternetIPv4: testbed.ServerIPv4.String(), testbed.InternetIPv6: testbed.ServerIPv6.String()}
	for inet, server := range servers {
		public := netip.AddrPortFrom(inet, testbed.DNSPort)
		for _, network := range []string{"udp", "tcp"} {
			for name, d := range map[string]net.Dialer{"plain": plain, "SO_BINDTODEVICE eth0": bound, "SO_MARK wireguard": wgMark, "SO_MARK resolver": dnsMark} {
				if err := askDNS(bed, d, network, public); err == nil {
					t.Errorf("DNS over %s to public %s (%s) answered", network, public, name)
				}
			}
			for _, s := range lanDNS {
				if err := askDNS(bed, plain, network, s); err == nil {
					t.Errorf("DNS over %s to the LAN router %s answered", network, s)
				}
			}
		}
		for _, port := range []uint16{853, 443} {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			seen, err := bed.ProbeTCP(ctx, netip.AddrPortFrom(inet, port))
			cancel()
			if err != nil || seen != server {
				t.Errorf("port %d of %s: seen from %q (%v), want through the tunnel from %s", port, inet, seen, err, server)
			}
		}
		for name, d := range map[string]net.Dialer{"SO_BINDTODEVICE eth0": bound, "SO_MARK wireguard": wgMark} {
			for network, port := range map[string]uint16{"tcp": testbed.HTTPPort, "udp": testbed.EchoPort} {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				seen, err := bed.ProbeWith(ctx, d, network, netip.AddrPortFrom(inet, port))
				cancel()
				if err == nil {
					t.Errorf("%s %s to %s: answered, seen from %s", name, network, inet, seen)
				}
			}
		}
	}
	if got := lanDNSPackets(t, bed); got != 0 {
		t.Errorf("the LAN router received %d DNS packets from the client", got)
	}
	c, err := bed.OutsideCounts()
	if err != nil {
		t.Fatal(err)
	}
	if total(c, "") != 0 {
		t.Errorf("packets reached internet outside the tunnel: %v (DNS asking %v)", c, bed.OutsideNames())
	}
}
