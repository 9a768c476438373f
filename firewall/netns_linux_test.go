package firewall

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/palisadevpn/palisade/platform/sockmark"
	"github.com/vishvananda/netns"
)

func needRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root: creates network namespaces and nftables tables")
	}
}

// testNS is a network namespace created for one test and deleted with it.
type testNS struct {
	name   string
	handle netns.NsHandle
}

func newTestNS(tb testing.TB) *testNS {
	tb.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "palisade-fw-" + hex.EncodeToString(b)
	run(tb, "ip", "netns", "add", name)
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	h, err := netns.GetFromName(name)
	if err != nil {
		tb.Fatalf("open netns %s: %v", name, err)
	}
	tb.Cleanup(func() { h.Close() })
	ns := &testNS{name: name, handle: h}
	ns.ip(tb, "link", "set", "lo", "up")
	return ns
}

func (ns *testNS) ip(tb testing.TB, args ...string) {
	tb.Helper()
	run(tb, "ip", append([]string{"-n", ns.name}, args...)...)
}

// backend returns an nftables backend bound to the namespace.
func (ns *testNS) backend(tb testing.TB) *nftBackend {
	b := newNFT(slog.New(slog.NewTextHandler(io.Discard, nil)), nftables.WithNetNSFd(int(ns.handle)))
	tb.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.closeLocked()
	})
	return b
}

func (ns *testNS) conn(tb testing.TB) *nftables.Conn {
	tb.Helper()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.handle)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// do runs f on a thread switched into the namespace; sockets opened in f
// stay in it.
func (ns *testNS) do(tb testing.TB, f func()) {
	tb.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		tb.Fatal(err)
	}
	defer orig.Close()
	if err := netns.Set(ns.handle); err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic(fmt.Sprintf("cannot return to the original netns: %v", err))
		}
	}()
	f()
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// pair is two namespaces joined by a veth, addressed outside every LAN
// range: 198.51.100.0/24 and 2001:db8:1::/64.
type pair struct {
	a, b *testNS
}

var (
	pairNet4 = netip.MustParsePrefix("198.51.100.0/24")
	pairNet6 = netip.MustParsePrefix("2001:db8:1::/64")
	peer4    = netip.MustParseAddr("198.51.100.2")
	peer6    = netip.MustParseAddr("2001:db8:1::2")
)

// privatePeer4 gives the pair a private IPv4 network beside its public
// one and returns b's address in it: IPv4 LANs are private, a public IPv4
// network on-link is never opened by allow_lan.
func privatePeer4(t *testing.T, p pair) netip.Addr {
	t.Helper()
	p.a.ip(t, "addr", "add", "192.168.77.1/24", "dev", "a0")
	p.b.ip(t, "addr", "add", "192.168.77.2/24", "dev", "b0")
	return netip.MustParseAddr("192.168.77.2")
}

func newPair(t *testing.T) pair {
	t.Helper()
	p := pair{newTestNS(t), newTestNS(t)}
	p.a.ip(t, "link", "add", "a0", "type", "veth", "peer", "name", "b0", "netns", p.b.name)
	p.a.ip(t, "addr", "add", "198.51.100.1/24", "dev", "a0")
	p.a.ip(t, "addr", "add", "2001:db8:1::1/64", "dev", "a0", "nodad")
	p.b.ip(t, "addr", "add", "198.51.100.2/24", "dev", "b0")
	p.b.ip(t, "addr", "add", "2001:db8:1::2/64", "dev", "b0", "nodad")
	p.a.ip(t, "link", "set", "a0", "up")
	p.b.ip(t, "link", "set", "b0", "up")
	return p
}

// serve starts a TCP listener and UDP echo servers in ns, on port or a
// free one, and returns the port. UDP binds each of udpAddrs (default:
// the wildcard), so replies leave from the address that was asked.
func serve(t *testing.T, ns *testNS, port int, udpAddrs ...netip.Addr) int {
	t.Helper()
	if len(udpAddrs) == 0 {
		udpAddrs = []netip.Addr{netip.IPv6Unspecified()}
	}
	var tl net.Listener
	var uls []net.PacketConn
	ns.do(t, func() {
		var err error
		if tl, err = net.Listen("tcp", net.JoinHostPort("::", strconv.Itoa(port))); err != nil {
			t.Fatal(err)
		}
		port = tl.Addr().(*net.TCPAddr).Port
		for _, a := range udpAddrs {
			ul, err := net.ListenPacket("udp", netip.AddrPortFrom(a, uint16(port)).String())
			if err != nil {
				t.Fatal(err)
			}
			uls = append(uls, ul)
		}
	})
	t.Cleanup(func() {
		tl.Close()
		for _, ul := range uls {
			ul.Close()
		}
	})
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for _, ul := range uls {
		go echo(ul)
	}
	return port
}

func echo(ul net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := ul.ReadFrom(buf)
		if err != nil {
			return
		}
		ul.WriteTo(buf[:n], from)
	}
}

// probe connects by TCP and exchanges one UDP datagram from ns to addr;
// each waits at most three seconds.
func probe(t *testing.T, ns *testNS, addr netip.Addr, port int) (tcpErr, udpErr error) {
	t.Helper()
	return probeMarked(t, ns, addr, port, 0)
}

// probeMarked is probe from sockets carrying mark, as the service's own
// (the WireGuard socket, the resolver's upstream sockets) do; 0 sets none.
func probeMarked(t *testing.T, ns *testNS, addr netip.Addr, port int, mark uint32) (tcpErr, udpErr error) {
	t.Helper()
	target := net.JoinHostPort(addr.String(), strconv.Itoa(port))
	d := net.Dialer{Timeout: 3 * time.Second}
	if mark != 0 {
		d.Control = sockmark.Control(mark)
	}
	ns.do(t, func() {
		c, err := d.Dial("tcp", target)
		if err == nil {
			c.Close()
		}
		tcpErr = err
		u, err := d.Dial("udp", target)
		if err != nil {
			udpErr = err
			return
		}
		defer u.Close()
		u.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := u.Write([]byte("ping")); err != nil {
			udpErr = err
			return
		}
		_, udpErr = u.Read(make([]byte, 16))
	})
	return tcpErr, udpErr
}
