package service

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// recordingFirewall keeps the last policy applied and counts removals.
type recordingFirewall struct {
	mu      sync.Mutex
	last    firewall.Policy
	removed int
}

func (f *recordingFirewall) Apply(p firewall.Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = p
	return nil
}
func (f *recordingFirewall) Remove() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last, f.removed = firewall.Policy{}, f.removed+1
	return nil
}
func (f *recordingFirewall) Show() (string, error) { return "", nil }

func (f *recordingFirewall) policy() firewall.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// bootstrapAccepts returns the output rules letting the service reach the
// system's name servers (between lookups they stay on empty sets, which
// match nothing).
func bootstrapAccepts(p firewall.Policy) []firewall.Rule {
	var out []firewall.Rule
	for _, r := range p.Output {
		if r.DstPort == 53 && r.Service && r.Action == firewall.Accept && r.Iface == "" && len(r.Dst) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// With kill switch always, the firewall lets the service reach the system's
// name servers exactly while it resolves, and the status says so.
func TestResolveOpensFirewallOnlyDuringLookup(t *testing.T) {
	env, _ := testEnv(t, true)
	fw := &recordingFirewall{}
	env.Firewall = fw
	var m *Manager
	var during []firewall.Rule
	var resolving string
	base := env.Lookup
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		during, resolving = bootstrapAccepts(fw.policy()), m.Status().Resolving
		if !slices.Equal(servers, []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")}) {
			t.Errorf("asked %v, want the system's server on port 53", servers)
		}
		return base(ctx, servers, host, tunnel)
	}
	m = newTestManager(t, env)
	if _, err := m.SetSettings(withKillSwitch(m.Settings(), settings.KillSwitchAlways)); err != nil {
		t.Fatal(err)
	}
	if n := len(bootstrapAccepts(fw.policy())); n != 0 {
		t.Fatalf("%d bootstrap accepts before any lookup", n)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Connected)
	if len(during) != 2 || !slices.Contains(during[0].Dst, netip.MustParsePrefix("192.0.2.53/32")) || during[0].Mark != during[1].Mark || during[0].Mark == 0 {
		t.Errorf("during the lookup: bootstrap accepts %+v, want udp and tcp to 192.0.2.53 for the service's mark", during)
	}
	if resolving != "vpn.example.com" || st.Resolving != "" {
		t.Errorf("status resolving %q during the lookup and %q after", resolving, st.Resolving)
	}
	if n := len(bootstrapAccepts(fw.policy())); n != 0 {
		t.Errorf("%d bootstrap accepts left after the lookup", n)
	}
}

// Within its TTL a name is not asked again for a new connect; a reconnect
// of a stale tunnel asks again, and a new address makes it reconnect there.
func TestResolveCacheAndMovedEndpoint(t *testing.T) {
	env, r := testEnv(t, true)
	var lookups atomic.Int32
	var addr atomic.Value
	addr.Store(netip.MustParseAddr("198.51.100.7"))
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		lookups.Add(1)
		return bootstrap.Result{Addrs: []netip.Addr{addr.Load().(netip.Addr)}, TTL: time.Hour}, nil
	}
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	for range 2 {
		m.Connect("home")
		waitState(t, m, ipc.Connected)
		m.Disconnect()
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("%d lookups for two connects within the TTL, want 1", n)
	}
	// The server moves; the tunnel goes stale (the fake handshake never
	// renews) and the reconnect finds it.
	m.mu.Lock()
	m.env.Timing.StaleAfter = 200 * time.Millisecond
	m.mu.Unlock()
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	addr.Store(netip.MustParseAddr("198.51.100.8"))
	deadline := time.Now().Add(5 * time.Second)
	for st := m.Status(); st.Endpoint != "198.51.100.8:51820" || st.State != ipc.Connected; st = m.Status() {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect to the moved endpoint: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	last := r.lastUp()
	if !slices.Equal(last.Endpoints, []netip.AddrPort{netip.MustParseAddrPort("198.51.100.8:51820")}) {
		t.Errorf("routes planned for %v after the move", last.Endpoints)
	}
}

// A name that does not exist fails the connect with a message naming it
// and the server asked.
func TestResolveNotFound(t *testing.T) {
	env, _ := testEnv(t, true)
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		return bootstrap.Result{}, &bootstrap.NotFoundError{Host: host, Server: servers[0]}
	}
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Error)
	if want := "resolve endpoint vpn.example.com: vpn.example.com does not exist (asked 192.0.2.53)"; st.LastError != want {
		t.Errorf("last error %q, want %q", st.LastError, want)
	}
	if st.Resolving != "" || st.Endpoint != "" {
		t.Errorf("after the failed lookup: resolving %q, endpoint %q", st.Resolving, st.Endpoint)
	}
}

// Without IPv6 on the host, IPv6 servers are not asked and an IPv6-only
// answer is refused with a clear error.
func TestResolveWithoutHostIPv6(t *testing.T) {
	env, _ := testEnv(t, true)
	env.HostIPv6 = func() bool { return false }
	env.NameServers = func() ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("2001:db8::53"), netip.MustParseAddr("192.0.2.53")}, nil
	}
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		if len(servers) != 1 || !servers[0].Addr().Is4() {
			t.Errorf("asked %v on a host without IPv6", servers)
		}
		return bootstrap.Result{Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::7")}, TTL: time.Minute}, nil
	}
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Error)
	if !strings.Contains(st.LastError, "only IPv6 addresses") {
		t.Errorf("last error %q", st.LastError)
	}
}

// A disconnect during a lookup leaves neither the firewall opening nor the
// "resolving" status behind.
func TestDisconnectDuringLookup(t *testing.T) {
	env, _ := testEnv(t, true)
	fw := &recordingFirewall{}
	env.Firewall = fw
	started := make(chan struct{})
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		close(started)
		<-ctx.Done()
		return bootstrap.Result{}, ctx.Err()
	}
	m := newTestManager(t, env)
	if _, err := m.SetSettings(withKillSwitch(m.Settings(), settings.KillSwitchAlways)); err != nil {
		t.Fatal(err)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no lookup")
	}
	if n := len(bootstrapAccepts(fw.policy())); n != 2 {
		t.Fatalf("%d bootstrap accepts during the lookup, want 2", n)
	}
	m.Disconnect()
	if st := m.Status(); st.Resolving != "" || st.State != ipc.Disconnected {
		t.Errorf("after disconnect: %+v", st)
	}
	if n := len(bootstrapAccepts(fw.policy())); n != 0 {
		t.Errorf("%d bootstrap accepts left after disconnect", n)
	}
}
