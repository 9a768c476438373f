package service

import (
	"context"
	"maps"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/selfcheck"
)

// stuckFirewall's read-back never answers on its own: it waits for its
// context, counting itself in running while it does.
type stuckFirewall struct {
	recordingFirewall
	running *atomic.Int32
}

func (f *stuckFirewall) Inspect(ctx context.Context) (firewall.Inspection, error) {
	f.running.Add(1)
	defer f.running.Add(-1)
	<-ctx.Done()
	return firewall.Inspection{}, ctx.Err()
}

// TestCheckProbesEndWithContext: with every probe stuck (route lookups,
// the firewall read-back, the system's DNS, the DNS queries, the outside
// view), a check returns with each item `timeout`, and every probe's
// goroutine ends soon after its deadline: the probes get their contexts
// and none is left running (counted, bounded wait).
func TestCheckProbesEndWithContext(t *testing.T) {
	var running atomic.Int32
	// stuck is a probe that answers only when its context ends.
	stuck := func(ctx context.Context) {
		running.Add(1)
		defer running.Add(-1)
		<-ctx.Done()
	}
	env, _ := checkEnv(t, nil)
	env.Firewall = &stuckFirewall{running: &running}
	env.Check.RouteTo = func(ctx context.Context, _ netip.Addr, _ uint32, _ int) (platform.Hop, error) {
		stuck(ctx)
		return platform.Hop{}, ctx.Err()
	}
	env.Check.SystemDNS = func(ctx context.Context, _ string) ([]netip.Addr, bool, error) {
		stuck(ctx)
		return nil, false, ctx.Err()
	}
	env.Check.Query = func(ctx context.Context, s netip.Addr) selfcheck.Answer {
		stuck(ctx)
		return selfcheck.Answer{Server: s, Err: ctx.Err()}
	}
	env.Check.Outside = func(ctx context.Context, _ string, _ bool) selfcheck.Seen {
		stuck(ctx)
		return selfcheck.Seen{Err: ctx.Err()}
	}
	m := newTestManager(t, env)
	m.checkLimits = checkLimits{probe: 100 * time.Millisecond, dns: 200 * time.Millisecond, outside: 200 * time.Millisecond, total: 2 * time.Second}
	s := m.Settings()
	s.Check.Outside = true
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	r := checkConnected(t, m)
	want := map[string]ipc.CheckStatus{
		ipc.CheckRoute4: ipc.CheckTimeout, ipc.CheckRoute6: ipc.CheckTimeout, ipc.CheckEndpoint: ipc.CheckTimeout,
		ipc.CheckFirewall: ipc.CheckTimeout, ipc.CheckDNS: ipc.CheckTimeout, ipc.CheckOutside4: ipc.CheckTimeout, ipc.CheckOutside6: ipc.CheckTimeout,
	}
	if got := statuses(r); !maps.Equal(got, want) {
		t.Errorf("report %+v", r.Items)
	}
	var n int32
	for range 100 {
		if n = running.Load(); n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n != 0 {
		t.Errorf("%d probes still running 5 s after the check returned", n)
	}
}
