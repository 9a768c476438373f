package platform

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
)

// NewRouter returns the macOS router: addresses with ifconfig and split
// default routes with route(8), as wg-quick does on macOS. Routes that
// outlive the tunnel interface are journaled in stateDir before they are
// added, so Down removes them even after a crash.
func NewRouter(log *slog.Logger, stateDir string) Router {
	return &darwinRouter{log: log, journal: NewRouteJournal(stateDir)}
}

type darwinRouter struct {
	log     *slog.Logger
	journal RouteJournal

	mu    sync.Mutex
	iface string
	plan  Plan
	// hosts are the endpoint routes now installed, by destination.
	hosts map[netip.Prefix]SplitRoute
}

func (r *darwinRouter) Up(cfg TunnelConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	plan := MakePlan(cfg)
	r.iface, r.plan, r.hosts = cfg.Interface, plan, map[netip.Prefix]SplitRoute{}
	for _, a := range plan.Addresses {
		if err := run("ifconfig", addressArgs(cfg.Interface, a)...); err != nil {
			return err
		}
	}
	if cfg.MTU > 0 {
		if err := run("ifconfig", cfg.Interface, "mtu", fmt.Sprint(cfg.MTU)); err != nil {
			return err
		}
	}
	if err := run("ifconfig", cfg.Interface, "up"); err != nil {
		return err
	}
	gw4, gw6 := gateways(cfg.Interface, r.log)
	routes := SplitPlan(plan, cfg.Endpoints, gw4, gw6)
	for _, rt := range routes {
		if err := r.add(rt); err != nil {
			return err
		}
	}
	r.log.Info("routes up", "iface", cfg.Interface, "full4", plan.Full4, "full6", plan.Full6, "block6", plan.Block6, "routes", len(routes))
	// After the endpoint routes: publishing makes the tunnel the primary
	// service, and its default then points into the tunnel.
	if script := tunnelServiceScript(cfg.Interface, plan); script != "" {
		if err := scutil(script); err != nil {
			r.log.Warn("tunnel not published as a network service: macOS may not ask AAAA", "err", err)
		} else {
			r.log.Info("tunnel published as network service", "service", tunnelService)
		}
	}
	return nil
}

// scutil runs a scutil(8) script against the dynamic store.
func scutil(script string) error {
	cmd := exec.Command("/usr/sbin/scutil")
	cmd.Stdin = strings.NewReader(script + "quit\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return cmdError("scutil", nil, string(bytes.TrimSpace(out)), err)
	}
	return nil
}

// Replan re-reads the default routes and moves the endpoint host routes to
// the current gateways (Wi-Fi → Ethernet, a new router, a lost uplink);
// endpoints no longer in use lose theirs.
func (r *darwinRouter) Replan(endpoints []netip.AddrPort) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.iface == "" {
		return nil
	}
	gw4, gw6 := gateways(r.iface, r.log)
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
func (r *darwinRouter) add(rt SplitRoute) error {
	if rt.OutlivesTunnel() {
		if err := r.journal.Add(journaled(rt)); err != nil {
			return err
		}
	}
	args := routeAddArgs(rt, r.iface)
	out, err := command("route", args...)
	if err != nil && routeExists(out) {
		r.log.Info("route exists, replacing it", "dst", rt.Dst)
		if out, err = command("route", routeDeleteArgs(rt.Dst)...); err == nil || routeMissing(out) {
			out, err = command("route", args...)
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
func (r *darwinRouter) remove(jr JournaledRoute) error {
	args := routeDeleteArgs(jr.Dst)
	if out, err := command("route", args...); err != nil && !routeMissing(out) {
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
func (r *darwinRouter) Down() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	jrs, err := r.journal.Load()
	if err != nil {
		return err
	}
	// The tunnel service's keys are fixed: removed every time, crash or not.
	errs := []error{scutil(tunnelServiceRemoveScript())}
	for _, jr := range jrs {
		errs = append(errs, r.remove(jr))
	}
	r.iface, r.hosts = "", nil
	return errors.Join(errs...)
}

// gateways reads both families' default routes outside the tunnel.
func gateways(tunnel string, log *slog.Logger) (gw4, gw6 *Gateway) {
	routes, err := readRoutes()
	if err != nil {
		log.Warn("routing table unreadable: endpoints get blackhole routes", "err", err)
		return nil, nil
	}
	return DefaultGateway(routes, false, tunnel), DefaultGateway(routes, true, tunnel)
}

func command(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(bytes.TrimSpace(out)), err
}

func cmdError(name string, args []string, out string, err error) error {
	return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
}

func run(name string, args ...string) error {
	if out, err := command(name, args...); err != nil {
		return cmdError(name, args, out, err)
	}
	return nil
}

// HasIPv6 reports whether the host has an IPv6 stack; macOS always does.
func HasIPv6() bool { return true }
