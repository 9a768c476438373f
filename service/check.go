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
// Requests share runs (checkShare): a privileged caller always gets a run
// that starts after it asked; an unprivileged one may get a result up to
// checkReuse old while the setup is unchanged. Only the two probe routes
// are looked up per request, because they depend on the caller's uid.
// Every probe is bounded (checkLimits), so a check returns within seconds
// whatever the network, D-Bus or the firewall does. A caller gone before
// a result was there gets an empty report and starts no probe.
func (m *Manager) Check(ctx context.Context) ipc.CheckReport {
	id, known := auth.IdentityFrom(ctx)
	uid := -1
	if known {
		uid = id.UID
	}
	setup := m.checkSetup()
	usable := func(s sharedCheck) bool { return reflect.DeepEqual(s.setup, setup) }
	sh, ran, ok := m.checks.get(ctx, id.Authorized, usable, func() sharedCheck { return m.runCheck(ctx, setup) })
	if !ok {
		return ipc.CheckReport{Time: time.Now()}
	}
	f := sh.facts
	// The probes' routes are asked as the caller's programs would meet
	// them (a uidrange rule may send one user elsewhere).
	f.Route4, f.Route6 = m.callerRoutes(ctx, uid, sh.setup.Tunnel != "")
	r := ipc.CheckReport{Time: sh.at, State: sh.setup.state, Items: selfcheck.Evaluate(sh.setup.Expect, f)}
	if ran {
		m.env.Log.Info("self-check", "result", r.Worst(), "failed", failedIDs(r), "uid", uid)
	}
	return r
}

// sharedCheck is one run's result, shared by the requests it answers: the
// setup it checked and the facts read, all but the caller's own routes.
type sharedCheck struct {
	setup checkSetup
	facts selfcheck.Facts
	at    time.Time
}

// checkSetup is what the service set up, as the check compares it.
type checkSetup struct {
	checkExpectation
	endpoints []netip.Addr
	state     ipc.State
}

// runCheck reads every fact but the caller's routes, the probes side by
// side, each bounded, the whole bounded by checkLimits.total. It does not
// end with the request that started it: other requests may share it.
func (m *Manager) runCheck(ctx context.Context, setup checkSetup) sharedCheck {
	l := m.checkLimits
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.total)
	defer cancel()
	e, c := setup.checkExpectation, m.env.Check
	f := selfcheck.Facts{Endpoints: map[netip.Addr]selfcheck.Hop{}}
	var wg sync.WaitGroup
	var mu sync.Mutex // guards f.Endpoints
	if e.Tunnel != "" {
		// The endpoint's route as the service's own WireGuard socket
		// meets it.
		for _, ep := range setup.endpoints {
			wg.Go(func() {
				h := routeProbe(ctx, l.probe, c.RouteTo, ep, platform.FwMark, -1)
				mu.Lock()
				f.Endpoints[ep] = h
				mu.Unlock()
			})
		}
	}
	wg.Go(func() {
		f.Firewall = m.inspectFirewall(ctx, l.probe)
		f.Firewall.Current = e.firewallCurrent
	})
	if e.DNS {
		wg.Go(func() {
			type sys struct {
				servers []netip.Addr
				via     bool
			}
			s, err := bounded(ctx, "the system's DNS settings", l.probe, func(ctx context.Context) (sys, error) {
				servers, via, err := c.SystemDNS(ctx, e.Tunnel)
				return sys{servers, via}, err
			})
			f.SystemDNS, f.ViaResolved, f.SystemDNSErr = s.servers, s.via, err
		})
		f.Answers = make([]selfcheck.Answer, len(e.Resolvers))
		for i, r := range e.Resolvers {
			wg.Go(func() {
				a, err := bounded(ctx, "the DNS probe of "+r.String(), l.dns, func(ctx context.Context) (selfcheck.Answer, error) {
					return c.Query(ctx, r), nil
				})
				if err != nil {
					a = selfcheck.Answer{Server: r, Err: err}
				}
				f.Answers[i] = a
			})
		}
	}
	if e.Outside && e.Tunnel != "" {
		outside := func(v6 bool) selfcheck.Seen {
			s, err := bounded(ctx, "the outside probe", l.outside, func(ctx context.Context) (selfcheck.Seen, error) {
				return c.Outside(ctx, e.URL, v6), nil
			})
			if err != nil {
				s = selfcheck.Seen{Err: err}
			}
			return s
		}
		wg.Go(func() { f.Outside4 = outside(false) })
		wg.Go(func() { f.Outside6 = outside(true) })
		f.OwnAddrs = c.OwnAddrs(e.Tunnel)
	}
	wg.Wait()
	return sharedCheck{setup: setup, facts: f, at: time.Now()}
}

// callerRoutes looks up the routes of both probe addresses as user uid's
// programs would meet them, side by side, each bounded.
func (m *Manager) callerRoutes(ctx context.Context, uid int, connected bool) (r4, r6 selfcheck.Hop) {
	if !connected {
		return r4, r6 // not judged: the items are skipped
	}
	l, route := m.checkLimits, m.env.Check.RouteTo
	var wg sync.WaitGroup
	wg.Go(func() { r4 = routeProbe(ctx, l.probe, route, selfcheck.Probe4, 0, uid) })
	wg.Go(func() { r6 = routeProbe(ctx, l.probe, route, selfcheck.Probe6, 0, uid) })
	wg.Wait()
	return r4, r6
}

func routeProbe(ctx context.Context, limit time.Duration, route func(context.Context, netip.Addr, uint32, int) (platform.Hop, error), dst netip.Addr, mark uint32, uid int) selfcheck.Hop {
	h, err := bounded(ctx, "the route lookup of "+dst.String(), limit, func(ctx context.Context) (platform.Hop, error) {
		return route(ctx, dst, mark, uid)
	})
	return selfcheck.Hop{Interface: h.Interface, Gateway: h.Gateway, Reject: h.Reject, Err: err}
}

// checkExpectation is selfcheck.Expect plus what the manager alone can
// tell about its firewall.
type checkExpectation struct {
	selfcheck.Expect
	firewallCurrent bool
}

// checkSetup reads what the service set up, in one step under mu.
func (m *Manager) checkSetup() checkSetup {
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
	return checkSetup{checkExpectation{Expect: e, firewallCurrent: current}, endpoints, m.status.State}
}

// inspectFirewall reads the backend's rules back, bounded by limit.
func (m *Manager) inspectFirewall(ctx context.Context, limit time.Duration) selfcheck.Installed {
	fw := m.env.Firewall
	if fw == nil {
		return selfcheck.Installed{Err: errors.New("there is no firewall backend on this system")}
	}
	in, ok := fw.(firewall.Inspector)
	if !ok {
		return selfcheck.Installed{Err: errors.New("this firewall backend cannot be read back")}
	}
	got, err := bounded(ctx, "the firewall read-back", limit, func(ctx context.Context) (firewall.Inspection, error) {
		return in.Inspect(ctx)
	})
	return selfcheck.Installed{Present: got.Present, Rules: got.Rules, Want: got.Want, Unmetered: got.Unmetered, Changed: got.Changed, Rejected: got.Rejected, Err: err}
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
