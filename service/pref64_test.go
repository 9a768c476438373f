package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/nat64"
)

// raPrefix is the prefix the tests' router announces, not the DNS64's.
var raPrefix = netip.MustParsePrefix("2001:db8:46::/96")

// v4LiteralProfile names its server by an IPv4 literal.
var v4LiteralProfile = strings.Replace(testProfile, "vpn.example.com", "198.51.100.7", 1)

// countingLookup answers like ipv6OnlyLookup and counts the NAT64
// discovery lookups; fail makes them fail as a network without working
// DNS does.
type countingLookup struct {
	discoveries atomic.Int32
	fail        atomic.Bool
}

func (c *countingLookup) lookup(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
	if host == nat64.DiscoveryName {
		c.discoveries.Add(1)
		if c.fail.Load() {
			return bootstrap.Result{}, errors.New("i/o timeout")
		}
	}
	return ipv6OnlyLookup(ctx, servers, host, tunnel)
}

// waitEndpoint waits, bounded, until the session is connected at want.
func waitEndpoint(t *testing.T, m *Manager, want netip.AddrPort, nat netip.Prefix) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := m.Status()
		if st.State == ipc.Connected && st.Endpoint == want.String() && st.EndpointNAT64 == nat.String() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s at %q (NAT64 %q), want connected at %s via %s", st.State, st.Endpoint, st.EndpointNAT64, want, nat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// On an IPv6-only network whose router announces a NAT64 prefix, that
// prefix is used and DNS64 is not asked, even where it would answer with
// another; when the router withdraws it, discovery falls back to DNS64 and
// the session follows. An IPv6 server stays direct either way.
func TestPREF64PreferredOverDNS64(t *testing.T) {
	env, r := testEnv(t, false)
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
	var dns countingLookup
	env.Lookup = dns.lookup
	var announced atomic.Bool
	announced.Store(true)
	env.RAPrefixes = func(string) []nat64.Announced {
		if !announced.Load() {
			return nil
		}
		return []nat64.Announced{{Router: nat64.Router{Interface: "eth0", Addr: netip.MustParseAddr("fe80::1")}, Prefix: raPrefix}}
	}
	v4 := netip.MustParseAddr("198.51.100.7")
	viaRA, _ := nat64.Synthesize(raPrefix, v4)
	viaDNS, _ := nat64.Synthesize(nsp, v4)
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep.Addr() != v4 })
	m := newTestManager(t, env)
	m.Import("home", v4LiteralProfile)
	m.Connect("home")
	waitEndpoint(t, m, netip.AddrPortFrom(viaRA, 51820), raPrefix)
	if n := dns.discoveries.Load(); n != 0 {
		t.Errorf("DNS64 asked %d times beside a router-announced prefix", n)
	}
	announced.Store(false)
	m.NetworkChanged()
	waitEndpoint(t, m, netip.AddrPortFrom(viaDNS, 51820), nsp)

	// Both families: an IPv6 literal is never synthesized, whatever the
	// prefix's source.
	announced.Store(true)
	ses := &session{ctx: context.Background()}
	rc := m.reachNow(ses, true)
	v6 := netip.MustParseAddr("2001:db8:100::2")
	for _, a := range []netip.Addr{v4, v6} {
		p, err := planEndpoint([]netip.Addr{a}, true, 51820, rc)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Choices[0]
		if a.Is4() && (got.Addr.Addr() != viaRA || got.NAT64 != raPrefix) {
			t.Errorf("IPv4 literal planned as %+v, want %s via %s", got, viaRA, raPrefix)
		}
		if a.Is6() && (got.Addr.Addr() != v6 || got.NAT64.IsValid()) {
			t.Errorf("IPv6 literal planned as %+v, want %s directly", got, v6)
		}
	}
}

// Connected through NAT64 on an IPv6-only network, a network change whose
// NAT64 discovery gets no answer keeps the working session (no reconnect
// without NAT64) and asks again on the retry backoff; once discovery
// answers with the same prefix nothing changes, and with a new prefix the
// session moves to it.
func TestNAT64RediscoveryKeepsSession(t *testing.T) {
	env, r := testEnv(t, false)
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
	var logs lockedBuffer
	env.Log = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, io.Discard), nil))
	env.Timing.RetryMin, env.Timing.RetryMax = 30*time.Millisecond, 120*time.Millisecond
	var dns countingLookup
	var prefix atomic.Pointer[netip.Prefix]
	prefix.Store(&nsp)
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		if host == nat64.DiscoveryName && !dns.fail.Load() {
			dns.discoveries.Add(1)
			a, _ := nat64.Synthesize(*prefix.Load(), netip.MustParseAddr("192.0.0.170"))
			return bootstrap.Result{Addrs: []netip.Addr{a}, TTL: time.Minute}, nil
		}
		return dns.lookup(ctx, servers, host, tunnel)
	}
	v4 := netip.MustParseAddr("198.51.100.7")
	viaNSP, _ := nat64.Synthesize(nsp, v4)
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep.Addr() != v4 })
	m := newTestManager(t, env)
	m.Import("home", v4LiteralProfile)
	m.Connect("home")
	waitEndpoint(t, m, netip.AddrPortFrom(viaNSP, 51820), nsp)
	_, before := r.devices()

	dns.fail.Store(true)
	m.NetworkChanged()
	// Several retries' worth: each asks again, none reconnects.
	deadline := time.Now().Add(5 * time.Second)
	for dns.discoveries.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := dns.discoveries.Load(); n < 4 {
		t.Fatalf("discovery asked %d times after the failure, want it retried", n)
	}
	if _, after := r.devices(); after != before || m.Status().State != ipc.Connected {
		t.Fatalf("the session was torn down (devices %d → %d, %s) for a discovery without an answer", before, after, m.Status().State)
	}
	if !strings.Contains(logs.String(), "keeping the endpoint in use") {
		t.Errorf("no log line for the kept session:\n%s", logs.String())
	}

	other := netip.MustParsePrefix("2001:db8:ff64::/96")
	prefix.Store(&other)
	dns.fail.Store(false)
	viaOther, _ := nat64.Synthesize(other, v4)
	waitEndpoint(t, m, netip.AddrPortFrom(viaOther, 51820), other)
}

func TestDecideReplan(t *testing.T) {
	failed := reach{Reach: platform.Reach{IPv6: true}, NAT64Err: errors.New("timeout")}
	found := reach{Reach: platform.Reach{IPv6: true}, NAT64: nsp}
	dual := reach{Reach: platform.Reach{IPv4: true, IPv6: true}}
	for _, tc := range []struct {
		name string
		same bool
		r    reach
		want replan
	}{
		{"same addresses", true, found, replanKeep},
		{"same addresses, discovery failed", true, failed, replanKeep},
		{"new prefix", false, found, replanReconnect},
		{"dual-stack now", false, dual, replanReconnect},
		{"discovery failed", false, failed, replanRediscover},
	} {
		if got := decideReplan(tc.same, tc.r); got != tc.want {
			t.Errorf("%s: decideReplan = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// A name that stops resolving keeps its last address, except a
// synthesized one whose prefix is gone: its IPv4 address is planned again
// for the network now. Both families.
func TestLastAddressNeverReusesAGonePrefix(t *testing.T) {
	v4 := netip.MustParseAddr("198.51.100.7")
	v6 := netip.AddrPortFrom(netip.MustParseAddr("2001:db8:100::2"), 51820)
	synth, _ := nat64.Synthesize(nsp, v4)
	last := netip.AddrPortFrom(synth, 51820)
	viaRA, _ := nat64.Synthesize(raPrefix, v4)
	only6 := func(p netip.Prefix) reach { return reach{Reach: platform.Reach{IPv6: true}, NAT64: p} }
	for _, tc := range []struct {
		name string
		last netip.AddrPort
		via  netip.Prefix
		r    reach
		want netip.AddrPort
		nat  netip.Prefix
	}{
		{"same prefix: kept", last, nsp, only6(nsp), last, nsp},
		{"dual-stack network now: the IPv4 address", last, nsp, reach{Reach: platform.Reach{IPv4: true, IPv6: true}}, netip.AddrPortFrom(v4, 51820), netip.Prefix{}},
		{"IPv4-only network now: the IPv4 address", last, nsp, reach{Reach: platform.Reach{IPv4: true}}, netip.AddrPortFrom(v4, 51820), netip.Prefix{}},
		{"another NAT64 network: under its prefix", last, nsp, only6(raPrefix), netip.AddrPortFrom(viaRA, 51820), raPrefix},
		{"IPv6-only without NAT64: the IPv4 address, tried anyway", last, nsp, only6(netip.Prefix{}), netip.AddrPortFrom(v4, 51820), netip.Prefix{}},
		{"a direct IPv6 address: kept", v6, netip.Prefix{}, only6(raPrefix), v6, netip.Prefix{}},
		{"a direct IPv4 address: kept", netip.AddrPortFrom(v4, 51820), netip.Prefix{}, reach{Reach: platform.Reach{IPv4: true}}, netip.AddrPortFrom(v4, 51820), netip.Prefix{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := lastAddress(tc.last, tc.via, tc.r, "no such host")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Choices[0]; len(p.Choices) != 1 || got.Addr != tc.want || got.NAT64 != tc.nat {
				t.Errorf("lastAddress = %+v (%s), want %s via %q", p.Choices, p.Why, tc.want, tc.nat)
			}
		})
	}
	if _, err := lastAddress(netip.AddrPortFrom(netip.MustParseAddr("2001:db8:99::1"), 51820), nsp, only6(raPrefix), "x"); err == nil {
		t.Error("an address outside its own prefix was planned")
	}
}

// The source takes PREF64 options only, logs each change once, and
// counts only prefixes from the current IPv6 default routers.
func TestPREF64Source(t *testing.T) {
	var logs lockedBuffer
	routes := []platform.Route{
		{Dst: netip.MustParsePrefix("::/0"), Interface: "eth0", Gateway: netip.MustParseAddr("fe80::1")},
		{Dst: netip.MustParsePrefix("::/0"), Interface: "tun0", Gateway: netip.MustParseAddr("fe80::9")},
		{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "eth0", Gateway: netip.MustParseAddr("192.168.1.1")},
		{Dst: netip.MustParsePrefix("2001:db8:50::/64"), Interface: "eth0"},
	}
	var mu sync.Mutex
	src := &pref64Source{log: slog.New(slog.NewTextHandler(&logs, nil)), routers: defaultRouters6(func() ([]platform.Route, error) {
		mu.Lock()
		defer mu.Unlock()
		return routes, nil
	})}
	opt := func(scaled uint16) []byte {
		a := raPrefix.Addr().As16()
		return append([]byte{nat64.OptPREF64, 2, byte(scaled >> 5), byte(scaled << 3)}, a[:12]...)
	}
	var fn func(string, platform.RouterOption)
	changes := 0
	stop, err := src.watch(func(f func(string, platform.RouterOption)) (func(), error) { fn = f; return func() {}, nil }, func() { changes++ })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	fromTun := platform.RouterOption{Router: netip.MustParseAddr("fe80::9"), Option: opt(75)}
	fn("tun0", fromTun)
	if got := src.usable("tun0"); len(got) != 0 {
		t.Errorf("a prefix learned on the tunnel counts: %v", got)
	}
	fn("eth0", platform.RouterOption{Router: netip.MustParseAddr("fe80::1"), Option: append([]byte{25, 3}, make([]byte, 22)...)})
	fn("eth0", platform.RouterOption{Router: netip.MustParseAddr("fe80::1"), Option: opt(75)})
	fn("eth0", platform.RouterOption{Router: netip.MustParseAddr("fe80::1"), Option: opt(75)})
	if got := src.usable("tun0"); len(got) != 1 || got[0].Prefix != raPrefix {
		t.Fatalf("usable = %v, want %s", got, raPrefix)
	}
	if changes != 2 {
		t.Errorf("%d changes reported, want 2 (tun0's and eth0's first announcements)", changes)
	}
	if n := strings.Count(logs.String(), "NAT64 prefix announced"); n != 2 {
		t.Errorf("%d announcement lines, want 2:\n%s", n, logs.String())
	}
	mu.Lock()
	routes = routes[1:] // eth0's router is no default router any more
	mu.Unlock()
	if got := src.usable("tun0"); len(got) != 0 {
		t.Errorf("a prefix from a router the host left counts: %v", got)
	}
	fn("eth0", platform.RouterOption{Router: netip.MustParseAddr("fe80::1"), Option: opt(0)})
	if changes != 3 || !strings.Contains(logs.String(), "withdrawn") {
		t.Errorf("the withdrawal: %d changes, log:\n%s", changes, logs.String())
	}
}

// A stale handshake re-plans with fresh lookups: when the NAT64 discovery
// then gets no answer, the session keeps its synthesized address and
// re-arms it (which brings the handshake back) instead of moving to the
// IPv4 address, which an IPv6-only network cannot reach.
func TestStaleHandshakeRediscoveryKeepsAddress(t *testing.T) {
	env, r := testEnv(t, false)
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
	env.Timing.StaleAfter = 300 * time.Millisecond
	var logs lockedBuffer
	env.Log = slog.New(slog.NewTextHandler(&logs, nil))
	var dns countingLookup
	env.Lookup = dns.lookup
	v4 := netip.MustParseAddr("198.51.100.7")
	viaNSP, _ := nat64.Synthesize(nsp, v4)
	want := netip.AddrPortFrom(viaNSP, 51820)
	last := withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep == want })
	m := newTestManager(t, env)
	m.Import("home", v4LiteralProfile)
	m.Connect("home")
	waitEndpoint(t, m, want, nsp)
	_, before := r.devices()
	dns.fail.Store(true)
	// The handshake goes stale after 300 ms; the re-arm's discovery fails.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "keeping the endpoint in use") {
		if time.Now().After(deadline) {
			t.Fatalf("no kept-endpoint decision after a stale handshake:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitEndpoint(t, m, want, nsp)
	if _, after := r.devices(); after != before {
		t.Errorf("the session was rebuilt (devices %d → %d) for a discovery without an answer", before, after)
	}
	for _, ep := range last().triedAddrs() {
		if ep.Addr() == v4 {
			t.Errorf("the device was pointed at %s, unreachable on an IPv6-only network", ep)
		}
	}
}
