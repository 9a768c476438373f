package e2e

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"golang.org/x/sys/unix"
)

// heldPort is where internet takes the connections the client holds.
const heldPort = 9099

// heldSink listens on internet for TCP and UDP on heldPort and counts the
// bytes that arrive per family.
type heldSink struct {
	tcp        net.Listener
	udp        net.PacketConn
	got4, got6 atomic.Int64
}

func (s *heldSink) add(a net.Addr, n int) {
	ap, err := netip.ParseAddrPort(a.String())
	if err == nil && ap.Addr().Unmap().Is4() {
		s.got4.Add(int64(n))
	} else {
		s.got6.Add(int64(n))
	}
}

func startHeldSink(t *testing.T, bed *testbed.Bed) *heldSink {
	t.Helper()
	s := &heldSink{}
	err := bed.Do(testbed.RoleInternet, func() (err error) {
		if s.tcp, err = net.Listen("tcp", ":9099"); err != nil {
			return err
		}
		s.udp, err = net.ListenPacket("udp", ":9099")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.tcp.Close(); s.udp.Close() })
	go func() {
		for {
			c, err := s.tcp.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				for {
					n, err := c.Read(buf)
					s.add(c.RemoteAddr(), n)
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := s.udp.ReadFrom(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				s.add(from, n)
			}
		}
	}()
	return s
}

// TestConnectionsFromBeforeConnectStayIn: TCP connections and connected
// UDP sockets of each family, opened through the LAN while disconnected (a
// download, a call), plain and bound to the physical interface, are
// written to after the connect. Nothing of them may reach internet outside
// the tunnel. The plain ones are re-routed into the tunnel when the routes
// change, and its server drops their LAN source; the bound ones keep the
// LAN, and only the firewall stops them: the output chain has no
// established accept, so their packets meet the rules new ones do. Before
// the connect the same writes arrive, so the check can fail.
func TestConnectionsFromBeforeConnectStayIn(t *testing.T) {
	n := start(t, testbed.Options{})
	sink := startHeldSink(t, n.bed)
	var conns []net.Conn
	bound := sockopt(unix.SO_BINDTODEVICE, 0, "eth0")
	bound.Timeout = 5 * time.Second
	for _, addr := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		for _, network := range []string{"tcp", "udp"} {
			for _, d := range []net.Dialer{{Timeout: 5 * time.Second}, bound} {
				err := n.bed.Do(testbed.RoleClient, func() error {
					c, err := d.Dial(network, netip.AddrPortFrom(addr, heldPort).String())
					if err == nil {
						conns = append(conns, c)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	write := func() {
		for _, c := range conns {
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write([]byte("held\n"))
		}
	}
	// The control: before the connect the writes arrive, both families.
	write()
	waitFor(t, 20*time.Second, "the held connections' bytes at internet", func() bool {
		return sink.got4.Load() >= 10 && sink.got6.Load() >= 10
	})

	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	if err := n.bed.ResetOutsideCounts(); err != nil {
		t.Fatal(err)
	}
	before4, before6 := sink.got4.Load(), sink.got6.Load()
	for range 20 {
		write()
		time.Sleep(100 * time.Millisecond)
	}
	c, err := n.bed.OutsideCounts()
	if err != nil {
		t.Fatal(err)
	}
	if c["ipv4"]+c["ipv6"] != 0 {
		t.Errorf("packets of connections opened before the connect reached internet outside the tunnel: %v", c)
	}
	if g4, g6 := sink.got4.Load()-before4, sink.got6.Load()-before6; g4+g6 != 0 {
		t.Errorf("after the connect internet still received %d IPv4 and %d IPv6 bytes on the held connections", g4, g6)
	}
}
