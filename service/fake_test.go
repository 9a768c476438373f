package service

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// fakeDevice stands in for wireguard-go in unit tests of the manager logic.
type fakeDevice struct {
	mu        sync.Mutex
	handshake time.Time
	closed    bool
	host      *fakeRouter
}

func (d *fakeDevice) Name() string { return "tun-test" }
func (d *fakeDevice) Stats() (tunnel.Stats, error) {
	d.host.hook(func(r *fakeRouter) func() { return r.onStats })
	d.mu.Lock()
	defer d.mu.Unlock()
	return tunnel.Stats{LastHandshake: d.handshake, RxBytes: 10, TxBytes: 20}, nil
}
func (d *fakeDevice) Reconfigure(tunnel.Config) error { return nil }
func (d *fakeDevice) Close() {
	d.mu.Lock()
	wasOpen := !d.closed
	d.closed = true
	d.mu.Unlock()
	d.host.hook(func(r *fakeRouter) func() { return r.onClose })
	if wasOpen {
		d.host.mu.Lock()
		d.host.live--
		d.host.mu.Unlock()
	}
}

// fakeRouter records route changes and counts the devices open at once:
// every session owns one device, so live is the number of live sessions.
type fakeRouter struct {
	mu   sync.Mutex
	ups  []platform.TunnelConfig
	down int
	// live devices now, and the most ever open at the same time.
	live, maxLive int
	// replans are the endpoints of each Replan call.
	replans [][]netip.AddrPort
	// onStats and onClose, when set, run inside every device's Stats and
	// Close: tests hold a session at those points.
	onStats, onClose func()
}

// hook runs the hook that pick selects, if set.
func (r *fakeRouter) hook(pick func(*fakeRouter) func()) {
	r.mu.Lock()
	f := pick(r)
	r.mu.Unlock()
	if f != nil {
		f()
	}
}

// setHooks sets onStats and onClose.
func (r *fakeRouter) setHooks(onStats, onClose func()) {
	r.mu.Lock()
	r.onStats, r.onClose = onStats, onClose
	r.mu.Unlock()
}

// Replan makes fakeRouter a router without policy routing (macOS, Windows).
func (r *fakeRouter) Replan(endpoints []netip.AddrPort) error {
	r.mu.Lock()
	r.replans = append(r.replans, endpoints)
	r.mu.Unlock()
	return nil
}

func (r *fakeRouter) replanned() [][]netip.AddrPort {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.replans
}

func (r *fakeRouter) newDevice(handshake bool) *fakeDevice {
	d := &fakeDevice{host: r}
	if handshake {
		d.handshake = time.Now().Add(50 * time.Millisecond)
	}
	r.mu.Lock()
	r.live++
	r.maxLive = max(r.maxLive, r.live)
	r.mu.Unlock()
	return d
}

// devices returns the live and the most ever live device counts.
func (r *fakeRouter) devices() (live, maxLive int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live, r.maxLive
}

// lastUp is the configuration of the latest Up.
func (r *fakeRouter) lastUp() platform.TunnelConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ups[len(r.ups)-1]
}

func (r *fakeRouter) Up(cfg platform.TunnelConfig) error {
	r.mu.Lock()
	r.ups = append(r.ups, cfg)
	r.mu.Unlock()
	return nil
}
func (r *fakeRouter) Down() error {
	r.mu.Lock()
	r.down++
	r.mu.Unlock()
	return nil
}

// testManager builds a manager whose device completes a handshake at once
// when handshake is true.
func testManager(t testing.TB, handshake bool) (*Manager, *fakeRouter) {
	t.Helper()
	env, r := testEnv(t, handshake)
	return newTestManager(t, env), r
}

// testEnv is testManager's environment, for tests that change parts of it.
// Endpoint names resolve to an IPv6 and an IPv4 address.
func testEnv(t testing.TB, handshake bool) (Env, *fakeRouter) {
	r := &fakeRouter{}
	return Env{
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		StateDir: t.TempDir(),
		Timing:   Timing{HandshakeTimeout: 300 * time.Millisecond, StaleAfter: time.Hour, Poll: 20 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond, FamilyFallback: 100 * time.Millisecond},
		Router:   r,
		NewDevice: func(cfg tunnel.Config, log *slog.Logger) (Device, error) {
			return r.newDevice(handshake), nil
		},
		NameServers: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("192.0.2.53")}, nil },
		Lookup: func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
			return bootstrap.Result{Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::7"), netip.MustParseAddr("198.51.100.7")}, TTL: time.Minute}, nil
		},
		HostIPv6: func() bool { return true },
		Reach:    func(string) platform.Reach { return platform.Reach{IPv4: true, IPv6: true} },
		Uplink: func(netip.Addr, string) (platform.Uplink, error) {
			return platform.Uplink{Interface: "eth0", MTU: 1500}, nil
		},
		SetMTU: func(Device, int) error { return nil },
	}, r
}

func newTestManager(t testing.TB, env Env) *Manager {
	t.Helper()
	m, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

const testProfile = `[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = 10.64.0.2/32, fd64::2/128
DNS = 10.64.0.1

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = vpn.example.com:51820
`
