package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/selfcheck"
)

// inspectingFirewall reads back as many rules as it was told it holds;
// applyErr makes every Apply fail; inspected, when set, is called by every
// read-back.
type inspectingFirewall struct {
	recordingFirewall
	rules     int
	applyErr  error
	inspected func()
}

func (f *inspectingFirewall) Apply(p firewall.Policy) error {
	if f.applyErr != nil {
		return f.applyErr
	}
	return f.recordingFirewall.Apply(p)
}

func (f *inspectingFirewall) Inspect(context.Context) (firewall.Inspection, error) {
	if f.inspected != nil {
		f.inspected()
	}
	return firewall.Inspection{Present: f.rules > 0, Rules: f.rules, Want: 12}, nil
}

// routeLog records the route lookups of a check and answers like a
// healthy tunnel: public addresses into the tunnel, marked packets out of
// eth0.
type routeLog struct {
	mu   sync.Mutex
	asks []string
}

func (r *routeLog) routeTo(_ context.Context, dst netip.Addr, mark uint32, uid int) (platform.Hop, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if mark != 0 {
		r.asks = append(r.asks, fmt.Sprintf("marked %s uid %d", dst, uid))
		return platform.Hop{Interface: "eth0", Gateway: netip.MustParseAddr("192.0.2.1")}, nil
	}
	r.asks = append(r.asks, fmt.Sprintf("%s uid %d", dst, uid))
	return platform.Hop{Interface: "tun-test"}, nil
}

func checkEnv(t *testing.T, fw *inspectingFirewall) (Env, *routeLog) {
	env, _ := testEnv(t, true)
	env.Firewall = fw
	env.DNS = &fakeDNS{}
	rl := &routeLog{}
	env.Check = CheckEnv{
		RouteTo: rl.routeTo,
		SystemDNS: func(context.Context, string) ([]netip.Addr, bool, error) {
			return []netip.Addr{netip.MustParseAddr("127.80.73.65")}, false, nil
		},
		Query: func(_ context.Context, s netip.Addr) selfcheck.Answer {
			return selfcheck.Answer{Server: s}
		},
		Outside: func(context.Context, string, bool) selfcheck.Seen {
			t.Error("the outside test ran while off")
			return selfcheck.Seen{}
		},
	}
	return env, rl
}

func statuses(r ipc.CheckReport) map[string]ipc.CheckStatus {
	m := map[string]ipc.CheckStatus{}
	for _, it := range r.Items {
		m[it.ID] = it.Status
	}
	return m
}

// Connected, the check asks the kernel about both probes without a mark
// and about the resolved endpoint with the WireGuard socket's mark, and
// judges them against the session's plan.
func TestCheckConnected(t *testing.T) {
	env, rl := checkEnv(t, &inspectingFirewall{rules: 12})
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	// Asked by user 1000: the probes are routed as that user's programs.
	r := m.Check(auth.WithIdentity(context.Background(), auth.Identity{UID: 1000, Name: "alice"}))
	want := map[string]ipc.CheckStatus{
		ipc.CheckRoute4: ipc.CheckOK, ipc.CheckRoute6: ipc.CheckOK, ipc.CheckEndpoint: ipc.CheckOK,
		ipc.CheckFirewall: ipc.CheckOK, ipc.CheckDNS: ipc.CheckOK, ipc.CheckOutside4: ipc.CheckSkip, ipc.CheckOutside6: ipc.CheckSkip,
	}
	if got := statuses(r); !maps.Equal(got, want) {
		t.Errorf("report %+v", r.Items)
	}
	// The lookups run side by side: their order is not fixed.
	wantAsks := []string{selfcheck.Probe4.String() + " uid 1000", selfcheck.Probe6.String() + " uid 1000", "marked 2001:db8::7 uid -1"}
	slices.Sort(wantAsks)
	slices.Sort(rl.asks)
	if !slices.Equal(rl.asks, wantAsks) {
		t.Errorf("route lookups %q, want %q", rl.asks, wantAsks)
	}
	if r.State != ipc.Connected {
		t.Errorf("report state %s", r.State)
	}
}

// A firewall whose apply failed is not the policy the service computes,
// whatever the table holds; disconnected, only the firewall is judged.
func TestCheckFirewallNotApplied(t *testing.T) {
	fw := &inspectingFirewall{rules: 12, applyErr: errors.New("netlink: operation not permitted")}
	env, rl := checkEnv(t, fw)
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	if got := statuses(m.Check(context.Background())); got[ipc.CheckFirewall] != ipc.CheckFail || got[ipc.CheckRoute4] != ipc.CheckOK {
		t.Errorf("apply failed: %v", got)
	}
	m.Disconnect()
	rl.asks = nil
	got := statuses(m.Check(context.Background()))
	for _, id := range []string{ipc.CheckRoute4, ipc.CheckRoute6, ipc.CheckEndpoint, ipc.CheckDNS} {
		if got[id] != ipc.CheckSkip {
			t.Errorf("disconnected: %s is %s", id, got[id])
		}
	}
	if slices.ContainsFunc(rl.asks, func(s string) bool { return len(s) > 7 && s[:7] == "marked " }) {
		t.Errorf("endpoint route asked while disconnected: %q", rl.asks)
	}
}

// A caller that is gone before its turn (it gave up while another check
// ran) starts no probes: queued requests of an unprivileged user cannot
// make the service ask the outside service again and again for nobody.
func TestCheckCallerGoneBeforeItsTurn(t *testing.T) {
	env, _ := checkEnv(t, &inspectingFirewall{rules: 12})
	release := make(chan struct{})
	var mu sync.Mutex
	asked := 0
	env.Check.Outside = func(ctx context.Context, _ string, _ bool) selfcheck.Seen {
		mu.Lock()
		asked++
		mu.Unlock()
		<-release
		return selfcheck.Seen{Err: errors.New("test: no answer")}
	}
	m := newTestManager(t, env)
	s := m.Settings()
	s.Check.Outside = true
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	first := make(chan struct{})
	go func() {
		defer close(first)
		m.Check(context.Background())
	}()
	for n := 0; ; n++ {
		mu.Lock()
		started := asked == 2
		mu.Unlock()
		if started {
			break
		}
		if n == 500 {
			t.Fatal("the first check never asked the outside service")
		}
		time.Sleep(10 * time.Millisecond)
	}
	gone, cancel := context.WithCancel(context.Background())
	second := make(chan ipc.CheckReport)
	go func() { second <- m.Check(gone) }()
	cancel()
	select {
	case r := <-second:
		if len(r.Items) != 0 {
			t.Errorf("a check for a gone caller reported %+v", r.Items)
		}
	case <-time.After(5 * time.Second):
		t.Error("a check for a gone caller waited for the running one")
	}
	close(release)
	<-first
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if asked != 2 {
		t.Errorf("the outside service was asked %d times, want 2 (one check, both families)", asked)
	}
}

// A flood of checks by an unprivileged user (uid 65534) runs the probes
// once: concurrent requests share the run in progress, later ones get its
// result again while the setup is unchanged. A privileged caller's check
// runs anew, and so does an unprivileged one once the setup changed.
func TestCheckFloodRunsOnce(t *testing.T) {
	var reads atomic.Int32
	fw := &inspectingFirewall{rules: 12, inspected: func() {
		reads.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for requests to pile up
	}}
	env, _ := checkEnv(t, fw)
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	nobody := auth.WithIdentity(context.Background(), auth.Identity{UID: 65534, Name: "nobody"})
	check := func(ctx context.Context) {
		if r := m.Check(ctx); statuses(r)[ipc.CheckFirewall] != ipc.CheckOK {
			t.Errorf("check: %+v", r.Items)
		}
	}
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { check(nobody) })
	}
	wg.Wait()
	for range 100 {
		check(nobody)
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("300 checks by uid 65534 read the firewall back %d times, want once", n)
	}
	root := auth.WithIdentity(context.Background(), auth.Identity{UID: 0, Name: "root", Authorized: true})
	check(root)
	check(root)
	if n := reads.Load(); n != 3 {
		t.Errorf("two checks by root after the flood: %d read-backs in all, want 3", n)
	}
	m.Disconnect()
	waitState(t, m, ipc.Disconnected)
	m.Check(nobody)
	if n := reads.Load(); n != 4 {
		t.Errorf("a check by uid 65534 after a disconnect: %d read-backs in all, want 4 (a new run)", n)
	}
}

// Probes that hang do not hold the check: the system's DNS settings (a
// hung systemd-resolved, heeding its context) and the firewall read-back
// (not heeding it) time out at their bound, their items say so, the others
// are judged as usual.
func TestCheckProbeHangs(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	fw := &inspectingFirewall{rules: 12, inspected: func() { <-stuck }}
	env, _ := checkEnv(t, fw)
	env.Check.SystemDNS = func(ctx context.Context, _ string) ([]netip.Addr, bool, error) {
		<-ctx.Done()
		return nil, true, ctx.Err()
	}
	m := newTestManager(t, env)
	// The probes that answer (fakes) must beat the limit on a loaded
	// machine under -race: one second, not tens of milliseconds.
	m.checkLimits = checkLimits{probe: time.Second, dns: 3 * time.Second, outside: 3 * time.Second, total: 6 * time.Second}
	r := checkConnected(t, m)
	want := map[string]ipc.CheckStatus{
		ipc.CheckRoute4: ipc.CheckOK, ipc.CheckRoute6: ipc.CheckOK, ipc.CheckEndpoint: ipc.CheckOK,
		ipc.CheckFirewall: ipc.CheckTimeout, ipc.CheckDNS: ipc.CheckTimeout, ipc.CheckOutside4: ipc.CheckSkip, ipc.CheckOutside6: ipc.CheckSkip,
	}
	if got := statuses(r); !maps.Equal(got, want) {
		t.Errorf("report %+v", r.Items)
	}
	if it, _ := r.Item(ipc.CheckDNS); !strings.Contains(it.Detail, "did not answer within 1s") {
		t.Errorf("DNS item %q does not say what timed out", it.Detail)
	}
	if r.Worst() != ipc.CheckTimeout {
		t.Errorf("worst %s, want timeout", r.Worst())
	}
}

// checkConnected connects m to the test profile and runs a check, bounded:
// probes that hang must still let the check return.
func checkConnected(t *testing.T, m *Manager) ipc.CheckReport {
	t.Helper()
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	done := make(chan ipc.CheckReport, 1)
	go func() { done <- m.Check(context.Background()) }()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("a check with hanging probes did not return")
		return ipc.CheckReport{}
	}
}
