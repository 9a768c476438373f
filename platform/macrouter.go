package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	"github.com/palisadevpn/palisade/platform/sysdns"
)

// macRouter is the macOS router. It is OS-free so its bookkeeping (journal
// before add, "File exists", re-plans, undo after a crash) is tested off
// macOS; route_darwin.go gives it the real commands and routing table.
type macRouter struct {
	log     *slog.Logger
	journal RouteJournal
	// run executes a command (stdin may be empty) and returns its trimmed
	// combined output.
	run func(stdin, name string, args ...string) (string, error)
	// routes reads the routing table.
	routes func() ([]Route, error)

	mu    sync.Mutex
	iface string
	plan  Plan
	// hosts are the endpoint routes now installed, by destination.
	hosts map[netip.Prefix]SplitRoute
}

func (r *macRouter) Up(cfg TunnelConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	plan := MakePlan(cfg)
	r.iface, r.plan, r.hosts = cfg.Interface, plan, map[netip.Prefix]SplitRoute{}
	for _, a := range plan.Addresses {
		if err := r.must("ifconfig", addressArgs(cfg.Interface, a)...); err != nil {
			return err
		}
	}
	if cfg.MTU > 0 {
		if err := r.must("ifconfig", cfg.Interface, "mtu", fmt.Sprint(cfg.MTU)); err != nil {
			return err
		}
	}
	if err := r.must("ifconfig", cfg.Interface, "up"); err != nil {
		return err
	}
	gw4, gw6, err := r.gateways(cfg.Interface)
	if err != nil {
		return err
	}
	routes := SplitPlan(plan, cfg.Endpoints, gw4, gw6)
	for _, rt := range routes {
		if err := r.add(rt); err != nil {
			return err
		}
	}
	r.log.Info("routes up", "iface", cfg.Interface, "full4", plan.Full4, "full6", plan.Full6, "block4", plan.Block4, "block6", plan.Block6, "routes", len(routes))
	// After the endpoint routes: publishing makes the tunnel the primary
	// service, and its default then points into the tunnel.
	if script := tunnelServiceScript(cfg.Interface, plan); script != "" {
		if err := r.scutil(script); err != nil {
			r.log.Warn("tunnel not published as a network service: macOS may not ask AAAA", "err", err)
		} else {
			r.log.Info("tunnel published as network service", "service", tunnelService)
		}
	}
	return nil
}

// scutil runs a scutil(8) script against the dynamic store.
func (r *macRouter) scutil(script string) error {
	if out, err := r.run(sysdns.ScutilScript(script), "/usr/sbin/scutil"); err != nil {
		return cmdError("scutil", nil, out, err)
	}
	return nil
}

// must runs a command that has to succeed.
func (r *macRouter) must(name string, args ...string) error {
	if out, err := r.run("", name, args...); err != nil {
		return cmdError(name, args, out, err)
	}
	return nil
}

// Replan re-reads the default routes and moves the endpoint host routes to
// the current gateways (Wi-Fi → Ethernet, a new router, a lost uplink);
// endpoints no longer in use lose theirs.
func (r *macRouter) Replan(endpoints []netip.AddrPort) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.iface == "" {
		return nil
	}
	// An unreadable table keeps the routes as they are.
	gw4, gw6, err := r.gateways(r.iface)
	if err != nil {
		return err
	}
	want := map[netip.Prefix]SplitRoute{}
	for _, rt := range SplitPlan(Plan{}, endpoints, gw4, gw6) {
		want[rt.Dst] = rt
	}
	var errs []error
	for dst, rt := range r.hosts {
		if _, ok := want[dst]; !ok {
			errs = append(errs, r.remove(journaled(rt)))
			delete(r.hosts, dst)
		}
	}
	for dst, rt := range want {
		if old, ok := r.hosts[dst]; ok && sameRoute(old, rt) {
			continue
		}
		r.log.Info("endpoint route re-planned", "dst", dst, "args", strings.Join(routeAddArgs(rt, r.iface), " "))
		errs = append(errs, r.add(rt))
	}
	return errors.Join(errs...)
}

func sameRoute(a, b SplitRoute) bool {
	if (a.Via == nil) != (b.Via == nil) {
		return false
	}
	return a.Blackhole == b.Blackhole && (a.Via == nil || *a.Via == *b.Via)
}

// add installs rt, journaling it first when it outlives the interface. A
// route already there (a leftover, or one for the previous gateway) is
// replaced rather than failing the connect over and over.
func (r *macRouter) add(rt SplitRoute) error {
	if rt.OutlivesTunnel() {
		if err := r.journal.Add(journaled(rt)); err != nil {
			return err
		}
	}
	args := routeAddArgs(rt, r.iface)
	out, err := r.run("", "route", args...)
	if err != nil && routeExists(out) {
		r.log.Info("route exists, replacing it", "dst", rt.Dst)
		if out, err = r.run("", "route", routeDeleteArgs(rt.Dst)...); err == nil || routeMissing(out) {
			out, err = r.run("", "route", args...)
		}
	}
	if err != nil {
		return cmdError("route", args, out, err)
	}
	if rt.Via != nil || rt.Blackhole {
		r.hosts[rt.Dst] = rt
	}
	return nil
}

// remove deletes the route to jr.Dst and forgets every journal entry for
// that destination (a re-planned route has one per gateway it had).
func (r *macRouter) remove(jr JournaledRoute) error {
	args := routeDeleteArgs(jr.Dst)
	if out, err := r.run("", "route", args...); err != nil && !routeMissing(out) {
		return cmdError("route", args, out, err)
	}
	all, err := r.journal.Load()
	for _, e := range all {
		if e.Dst == jr.Dst {
			err = errors.Join(err, r.journal.Remove(e))
		}
	}
	return err
}

// journaled is the journal entry of rt; the next hop and interface are
// for people reading it, since macOS deletes by destination.
func journaled(rt SplitRoute) JournaledRoute {
	jr := JournaledRoute{Dst: rt.Dst}
	if rt.Via != nil {
		jr.NextHop, jr.Interface = rt.Via.NextHop, rt.Via.Interface
	}
	return jr
}

// Down removes every journaled route, those of this run and those a crashed
// run left. Routes via the tunnel vanish with the interface.
func (r *macRouter) Down() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	jrs, err := r.journal.Load()
	if err != nil {
		return err
	}
	// The tunnel service's keys are fixed: removed every time, crash or not.
	errs := []error{r.scutil(tunnelServiceRemoveScript())}
	for _, jr := range jrs {
		errs = append(errs, r.remove(jr))
	}
	r.iface, r.hosts = "", nil
	return errors.Join(errs...)
}

// gateways reads both families' default routes outside the tunnel.
func (r *macRouter) gateways(tunnel string) (gw4, gw6 *Gateway, err error) {
	routes, err := r.routes()
	if err != nil {
		return nil, nil, fmt.Errorf("routing table: %w", err)
	}
	return DefaultGateway(routes, false, tunnel), DefaultGateway(routes, true, tunnel), nil
}

func cmdError(name string, args []string, out string, err error) error {
	return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
}
