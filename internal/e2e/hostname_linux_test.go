package e2e

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// dnsProber is another program on the client asking the LAN router's DNS,
// over both families and transports, every 50 ms until stopped.
type dnsProber struct {
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	sent     []time.Time
	answered int
}

func startDNSProber(t *testing.T, b *testbed.Bed) *dnsProber {
	p := &dnsProber{stop: make(chan struct{}), done: make(chan struct{})}
	servers := []string{netip.AddrPortFrom(testbed.LANIPv4, 53).String(), netip.AddrPortFrom(testbed.LANULA, 53).String()}
	go func() {
		defer close(p.done)
		for i := 0; i < 3000; i++ {
			select {
			case <-p.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			network := []string{"udp", "tcp"}[i%2]
			server := servers[(i/2)%2]
			q := new(dns.Msg)
			q.SetQuestion(testbed.ProbeName, dns.TypeA)
			var err error
			p.mu.Lock()
			p.sent = append(p.sent, time.Now())
			p.mu.Unlock()
			derr := b.Do(testbed.RoleClient, func() error {
				c := &dns.Client{Net: network, Timeout: 300 * time.Millisecond}
				_, _, err = c.Exchange(q, server)
				return nil
			})
			if derr != nil {
				t.Errorf("probe: %v", derr)
				return
			}
			if err == nil {
				p.mu.Lock()
				p.answered++
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(p.finish)
	return p
}

func (p *dnsProber) finish() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// check stops the prober and fails t if any probe got through, if none
// was sent, or if none was sent while the daemon's own lookup of HomeName
// was in flight.
func (p *dnsProber) check(t *testing.T, b *testbed.Bed, when string) {
	t.Helper()
	p.finish()
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := b.LANQueries(testbed.ProbeName); n != 0 || p.answered != 0 {
		t.Errorf("%s: other programs' DNS reached the LAN server %d times (%d answered)", when, n, p.answered)
	}
	during := 0
	windows := b.HomeQueryWindows()
	for _, s := range p.sent {
		if slices.ContainsFunc(windows, func(w testbed.Window) bool { return !s.Before(w.Start) && !s.After(w.End) }) {
			during++
		}
	}
	if len(p.sent) == 0 || during == 0 {
		t.Errorf("%s: %d probes sent, %d of them while the daemon's lookup ran: the test saw nothing", when, len(p.sent), during)
	}
	t.Logf("%s: %d probes, %d during the daemon's lookups, none through", when, len(p.sent), during)
}

// TestHostNameEndpointKillSwitch: a profile whose endpoint is a host name
// only the LAN router's DNS knows connects with kill switch always, while
// other programs' DNS to that server stays blocked; after kill -9 the
// restarted service reconnects by itself; with auto armed, a server that
// moves to a new address is followed. Once for an A and once for an AAAA
// record, each asked over a server of the same family.
func TestHostNameEndpointKillSwitch(t *testing.T) {
	for _, c := range []struct {
		name     string
		resolv   string
		from, to netip.Addr
	}{
		{"A", testbed.LANResolvConf4, testbed.ServerIPv4, netip.MustParseAddr("198.51.100.3")},
		{"AAAA", testbed.LANResolvConf6, testbed.ServerIPv6, netip.MustParseAddr("2001:db8:100::3")},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--handshake-timeout", "5s", "--stale-after", "6s"}
			n := start(t, testbed.Options{DaemonResolvConf: c.resolv}, args...)
			b := n.bed
			b.SetHomeAddrs(c.from)
			host := strings.TrimSuffix(testbed.HomeName, ".")
			n.importProfile(t, "home", testbed.ProfileOptions{EndpointHost: host})
			mustCLI(t, n, "set", "killswitch", "always")

			probe := startDNSProber(t, b)
			st := n.connect(t, "home")
			want := netip.AddrPortFrom(c.from, testbed.WireGuardPort).String()
			if st.Endpoint != want {
				t.Errorf("endpoint %q, want %s", st.Endpoint, want)
			}
			time.Sleep(time.Second) // and after the lookup
			probe.check(t, b, "always, connecting by name")
			asked := b.LANQueries(testbed.HomeName)
			if asked == 0 {
				t.Fatal("the daemon never asked the LAN server")
			}

			n.daemon.Kill()
			probe = startDNSProber(t, b)
			n.launch(t, args...)
			st = n.waitState(t, ipc.Connected, 40*time.Second)
			if st.Endpoint != want || b.LANQueries(testbed.HomeName) <= asked {
				t.Errorf("after kill -9 and restart: endpoint %q, LAN asked %d times (before %d)", st.Endpoint, b.LANQueries(testbed.HomeName), asked)
			}
			probe.check(t, b, "always, restarted after kill -9")

			// Auto, armed by the connection: the server moves and the old
			// address goes away.
			mustCLI(t, n, "set", "killswitch", "auto")
			if st := n.waitState(t, ipc.Connected, 20*time.Second); !st.KillSwitchEngaged {
				t.Fatalf("auto after a connect is not armed: %+v", st)
			}
			probe = startDNSProber(t, b)
			b.SetHomeAddrs(c.to)
			if err := b.MoveServer(c.from, c.to); err != nil {
				t.Fatal(err)
			}
			moved := netip.AddrPortFrom(c.to, testbed.WireGuardPort).String()
			waitFor(t, 60*time.Second, "reconnect to "+moved, func() bool {
				st, err := n.client.Status(t.Context())
				return err == nil && st.State == ipc.Connected && st.Endpoint == moved
			})
			src, err := n.probeSeen(t, testbed.InternetIPv4)
			if err != nil || src != testbed.ServerIPv4.String() && src != c.to.String() {
				t.Errorf("after the move: internet saw %q (%v), want the tunnel", src, err)
			}
			probe.check(t, b, "auto armed, server moved")
		})
	}
}
