package service

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/selfcheck"
)

// Check runs the self-check: it reads the live routes, firewall and DNS and
// compares them with what the service set up (selfcheck.Evaluate decides).
// One check runs at a time; each probe is bounded, so it returns within
// seconds whatever the network does. A caller gone before its turn (ctx
// done) gets an empty report and starts no probe, so requests queued and
// abandoned cost the service, and the outside service, nothing.
func (m *Manager) Check(ctx context.Context) ipc.CheckReport {
	select {
	case m.checking <- struct{}{}:
		defer func() { <-m.checking }()
	case <-ctx.Done():
		return ipc.CheckReport{Time: time.Now()}
	}
	if ctx.Err() != nil {
		return ipc.CheckReport{Time: time.Now()}
	}
	e, endpoints, state := m.checkExpect()
	c := m.env.Check
	f := selfcheck.Facts{Endpoints: map[netip.Addr]selfcheck.Hop{}}
	// The probes' routes are asked as the caller's programs would meet
	// them (a uidrange rule may send one user elsewhere); the endpoint's
	// as the service's own WireGuard socket.
	uid := -1
	if id, ok := auth.IdentityFrom(ctx); ok {
		uid = id.UID
	}
	f.Route4 = hop(c.RouteTo(selfcheck.Probe4, 0, uid))
	f.Route6 = hop(c.RouteTo(selfcheck.Probe6, 0, uid))
	if e.Tunnel != "" {
		for _, ep := range endpoints {
			f.Endpoints[ep] = hop(c.RouteTo(ep, platform.FwMark, -1))
		}
	}
	f.Firewall = m.inspectFirewall()
	f.Firewall.Current = e.firewallCurrent
	// The slow probes (DNS, outside) run side by side, each bounded.
	var wg sync.WaitGroup
	if e.DNS {
		f.SystemDNS, f.ViaResolved, f.SystemDNSErr = c.SystemDNS(e.Tunnel)
		f.Answers = make([]selfcheck.Answer, len(e.Resolvers))
		for i, r := range e.Resolvers {
			wg.Go(func() { f.Answers[i] = c.Query(ctx, r) })
		}
	}
	if e.Outside && e.Tunnel != "" {
		wg.Go(func() { f.Outside4 = c.Outside(ctx, e.URL, false) })
		wg.Go(func() { f.Outside6 = c.Outside(ctx, e.URL, true) })
		f.OwnAddrs = c.OwnAddrs(e.Tunnel)
	}
	wg.Wait()
	r := ipc.CheckReport{Time: time.Now(), State: state, Items: selfcheck.Evaluate(e.Expect, f)}
	m.env.Log.Info("self-check", "result", r.Worst(), "failed", failedIDs(r))
	return r
}

// checkExpectation is selfcheck.Expect plus what the manager alone can
// tell about its firewall.
type checkExpectation struct {
	selfcheck.Expect
	firewallCurrent bool
}

// checkExpect reads what the service set up, in one step under mu.
func (m *Manager) checkExpect() (checkExpectation, []netip.Addr, ipc.State) {
	hostV6 := m.env.HostIPv6()
	m.mu.Lock()
	defer m.mu.Unlock()
	e := selfcheck.Expect{
		HostIPv6: hostV6,
		Outside:  m.settings.Check.Outside,
		URL:      m.settings.Check.EffectiveURL(),
	}
	var endpoints []netip.Addr
	if m.net.dev != nil {
		e.Tunnel = m.net.dev.Name()
		e.Full4, e.Full6, e.Block4, e.Block6 = m.net.plan.Full4, m.net.plan.Full6, m.net.plan.Block4, m.net.plan.Block6
		for _, ep := range m.net.endpoints {
			endpoints = append(endpoints, ep.Addr().Unmap())
		}
	}
	if m.net.dns != nil {
		e.DNS, e.DNSManager = true, m.net.dns.Manager
		e.Resolvers = append(e.Resolvers, m.net.dns.Resolvers...)
	}
	want := firewall.Compute(m.firewallInputLocked())
	e.Firewall, e.Engaged = !want.Empty(), want.Engaged
	current := m.net.applied && reflect.DeepEqual(want, m.net.policy)
	return checkExpectation{Expect: e, firewallCurrent: current}, endpoints, m.status.State
}

// inspectFirewall reads the backend's rules back.
func (m *Manager) inspectFirewall() selfcheck.Installed {
	fw := m.env.Firewall
	if fw == nil {
		return selfcheck.Installed{Err: errors.New("there is no firewall backend on this system")}
	}
	in, ok := fw.(firewall.Inspector)
	if !ok {
		return selfcheck.Installed{Err: errors.New("this firewall backend cannot be read back")}
	}
	got, err := in.Inspect()
	return selfcheck.Installed{Present: got.Present, Rules: got.Rules, Want: got.Want, Unmetered: got.Unmetered, Changed: got.Changed, Rejected: got.Rejected, Err: err}
}

func hop(h platform.Hop, err error) selfcheck.Hop {
	return selfcheck.Hop{Interface: h.Interface, Gateway: h.Gateway, Reject: h.Reject, Err: err}
}

func failedIDs(r ipc.CheckReport) []string {
	var out []string
	for _, it := range r.Items {
		if it.Status == ipc.CheckFail || it.Status == ipc.CheckWarn {
			out = append(out, it.ID+"="+string(it.Status))
		}
	}
	return out
}
