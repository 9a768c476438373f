package service

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/nat64"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// answeringDevice completes a handshake only while its peer's endpoint is
// one the "network" delivers to.
type answeringDevice struct {
	*fakeDevice
	mu      sync.Mutex
	answers func(netip.AddrPort) bool
	tried   []netip.AddrPort
}

func (d *answeringDevice) set(cfg tunnel.Config) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ep := cfg.Peers[0].Endpoint
	d.tried = append(d.tried, ep)
	d.fakeDevice.mu.Lock()
	if d.answers(ep) {
		d.fakeDevice.handshake = time.Now().Add(10 * time.Millisecond)
	}
	d.fakeDevice.mu.Unlock()
}

func (d *answeringDevice) Reconfigure(cfg tunnel.Config) error {
	d.set(cfg)
	return nil
}

func (d *answeringDevice) triedAddrs() []netip.AddrPort {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.tried)
}

// withAnsweringDevice makes env's devices answer only endpoints answers
// accepts, and returns the last device made.
func withAnsweringDevice(env *Env, r *fakeRouter, answers func(netip.AddrPort) bool) func() *answeringDevice {
	var last atomic.Pointer[answeringDevice]
	env.NewDevice = func(cfg tunnel.Config, log *slog.Logger) (Device, error) {
		d := &answeringDevice{fakeDevice: r.newDevice(false), answers: answers}
		d.set(cfg)
		last.Store(d)
		return d, nil
	}
	return last.Load
}

// A name with both records on a dual-stack host: IPv6 first; when it gets
// no handshake, IPv4 within the fallback time, and that one stays.
func TestFamilyFallbackToIPv4(t *testing.T) {
	env, r := testEnv(t, false)
	env.Timing.HandshakeTimeout = 10 * time.Second
	dev := withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep.Addr().Is4() })
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	begin := time.Now()
	m.Connect("home")
	st := waitState(t, m, ipc.Connected)
	if st.Endpoint != "198.51.100.7:51820" || st.EndpointFamily != "IPv4" {
		t.Errorf("endpoint %q (%s), want the IPv4 address after the fallback", st.Endpoint, st.EndpointFamily)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("connected after %s: the fallback should take about %s", d, env.Timing.FamilyFallback)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::7]:51820"), netip.MustParseAddrPort("198.51.100.7:51820")}
	if got := dev().triedAddrs(); !slices.Equal(got[:min(2, len(got))], want) {
		t.Errorf("tried %v, want IPv6 then IPv4", got)
	}
}

// nsp is the network-specific NAT64 prefix of the IPv6-only network tests.
var nsp = netip.MustParsePrefix("2001:db8:64::/96")

// ipv6OnlyLookup answers like a DNS64 resolver under nsp: ipv4only.arpa's
// records synthesized, the endpoint name with an A record only.
func ipv6OnlyLookup(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
	v4 := netip.MustParseAddr("198.51.100.7")
	if host == nat64.DiscoveryName {
		a, _ := nat64.Synthesize(nsp, netip.MustParseAddr("192.0.0.170"))
		return bootstrap.Result{Addrs: []netip.Addr{netip.MustParseAddr("192.0.0.170"), a}, TTL: time.Minute}, nil
	}
	return bootstrap.Result{Addrs: []netip.Addr{v4}, TTL: time.Minute}, nil
}

// An A-only name on an IPv6-only network: the endpoint is synthesized
// under the discovered prefix, the status says so, and the kill switch
// permits exactly that address.
func TestNAT64Endpoint(t *testing.T) {
	env, r := testEnv(t, false)
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
	env.Lookup = ipv6OnlyLookup
	fw := &recordingFirewall{}
	env.Firewall = fw
	synth, _ := nat64.Synthesize(nsp, netip.MustParseAddr("198.51.100.7"))
	want := netip.AddrPortFrom(synth, 51820)
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep == want })
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Connected)
	if st.Endpoint != want.String() || st.EndpointFamily != "IPv6" || st.EndpointNAT64 != nsp.String() {
		t.Errorf("endpoint %q (%s, NAT64 %q), want %s via NAT64 %s", st.Endpoint, st.EndpointFamily, st.EndpointNAT64, want, nsp)
	}
	var permitted []netip.Prefix
	for _, rule := range fw.policy().Output {
		if rule.DstPort == 51820 && rule.Action == firewall.Accept {
			permitted = append(permitted, rule.Dst...)
		}
	}
	if !slices.Equal(permitted, []netip.Prefix{netip.PrefixFrom(synth, 128)}) {
		t.Errorf("kill switch permits %v, want exactly %s", permitted, synth)
	}
}

// Connected over IPv4 on a dual-stack network; the network loses IPv4
// (an IPv6-only network with NAT64 now): the session reconnects on its own
// through the synthesized address.
func TestNetworkChangeToIPv6OnlyReconnects(t *testing.T) {
	env, r := testEnv(t, false)
	var only6 atomic.Bool
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv4: !only6.Load(), IPv6: true} }
	env.Lookup = ipv6OnlyLookup
	synth, _ := nat64.Synthesize(nsp, netip.MustParseAddr("198.51.100.7"))
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep.Addr().Is4() != only6.Load() })
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	if st := waitState(t, m, ipc.Connected); st.Endpoint != "198.51.100.7:51820" {
		t.Fatalf("endpoint %q before the move", st.Endpoint)
	}
	only6.Store(true)
	m.NetworkChanged()
	want := netip.AddrPortFrom(synth, 51820).String()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := m.Status()
		if st.State == ipc.Connected && st.Endpoint == want && st.EndpointNAT64 == nsp.String() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the move: %s at %q (NAT64 %q), want connected at %s", st.State, st.Endpoint, st.EndpointNAT64, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// v6OnlyProfile takes all of IPv6 and carries no IPv4.
const v6OnlyProfile = `[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = fd64::2/128
DNS = fd64::1

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = ::/0
Endpoint = 198.51.100.7:51820
`

// Beside an IPv6-only tunnel whose DNS is a DNS64 resolver, the status
// says IPv4-only names work through its NAT64 while IPv4 stays blocked;
// without DNS64 it says IPv4 blocked alone.
func TestTunnelNAT64InStatus(t *testing.T) {
	for _, dns64 := range []bool{true, false} {
		env, _ := testEnv(t, true)
		env.DNS = &fakeDNS{}
		asked := make(chan netip.AddrPort, 1)
		env.AskResolver = func(ctx context.Context, resolver netip.AddrPort, host string) (bootstrap.Result, error) {
			asked <- resolver
			if !dns64 || host != nat64.DiscoveryName {
				return bootstrap.Result{}, nil
			}
			a, _ := nat64.Synthesize(nsp, netip.MustParseAddr("192.0.0.171"))
			return bootstrap.Result{Addrs: []netip.Addr{a}}, nil
		}
		m := newTestManager(t, env)
		if _, err := m.Import("v6", v6OnlyProfile); err != nil {
			t.Fatal(err)
		}
		m.Connect("v6")
		st := waitState(t, m, ipc.Connected)
		select {
		case r := <-asked:
			if r != netip.MustParseAddrPort("127.80.73.65:53") {
				t.Errorf("asked %s, want the local resolver", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the tunnel's DNS was never asked for ipv4only.arpa")
		}
		if !dns64 {
			time.Sleep(100 * time.Millisecond)
			if st = m.Status(); st.TunnelNAT64 != "" || st.Routing != "full IPv6 tunnel, IPv4 blocked" {
				t.Errorf("without DNS64: nat64 %q, routing %q", st.TunnelNAT64, st.Routing)
			}
			continue
		}
		deadline := time.Now().Add(5 * time.Second)
		for st = m.Status(); st.TunnelNAT64 == "" && time.Now().Before(deadline); st = m.Status() {
			time.Sleep(10 * time.Millisecond)
		}
		if st.TunnelNAT64 != nsp.String() || !strings.Contains(st.Routing, "IPv4 blocked; the tunnel's DNS64 reaches IPv4-only names through NAT64 "+nsp.String()) {
			t.Errorf("with DNS64: nat64 %q, routing %q", st.TunnelNAT64, st.Routing)
		}
	}
}

// Connected through NAT64 on an IPv6-only network whose DNS64 synthesized
// the endpoint name's AAAA; the host moves to a dual-stack network without
// NAT64: the synthesized address, which only the old network's translator
// serves, is neither tried nor permitted there (the cached answer belongs
// to the old network), the name is looked up again and IPv4 is used.
func TestNetworkChangeFromNAT64DropsSynthesized(t *testing.T) {
	env, r := testEnv(t, false)
	var dual atomic.Bool
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv4: dual.Load(), IPv6: true} }
	v4 := netip.MustParseAddr("198.51.100.7")
	synth, _ := nat64.Synthesize(nsp, v4)
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		if dual.Load() {
			return bootstrap.Result{Addrs: []netip.Addr{v4}, TTL: time.Hour}, nil
		}
		if host == nat64.DiscoveryName {
			a, _ := nat64.Synthesize(nsp, netip.MustParseAddr("192.0.0.170"))
			return bootstrap.Result{Addrs: []netip.Addr{netip.MustParseAddr("192.0.0.170"), a}, TTL: time.Hour}, nil
		}
		// A DNS64 resolver answers an A-only name's AAAA question too.
		return bootstrap.Result{Addrs: []netip.Addr{v4, synth}, TTL: time.Hour}, nil
	}
	fw := &recordingFirewall{}
	env.Firewall = fw
	var mu sync.Mutex
	var triedAfter []netip.AddrPort
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool {
		if dual.Load() {
			mu.Lock()
			triedAfter = append(triedAfter, ep)
			mu.Unlock()
		}
		return ep.Addr() == synth != dual.Load()
	})
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	if st := waitState(t, m, ipc.Connected); st.Endpoint != netip.AddrPortFrom(synth, 51820).String() {
		t.Fatalf("endpoint %q before the move, want the synthesized address", st.Endpoint)
	}
	dual.Store(true)
	m.NetworkChanged()
	want := netip.AddrPortFrom(v4, 51820)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := m.Status()
		if st.State == ipc.Connected && st.Endpoint == want.String() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the move: %s at %q, want connected at %s", st.State, st.Endpoint, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if slices.ContainsFunc(triedAfter, func(a netip.AddrPort) bool { return a.Addr() == synth }) {
		t.Errorf("after the move tried %v: the old network's synthesized address", triedAfter)
	}
	mu.Unlock()
	for _, rule := range fw.policy().Output {
		if rule.DstPort == 51820 && rule.Action == firewall.Accept && slices.Contains(rule.Dst, netip.PrefixFrom(synth, 128)) {
			t.Errorf("the kill switch still permits %s on the dual-stack network", synth)
		}
	}
}
