package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// NewRouter returns the Windows router: addresses, interface settings and
// split default routes on the tunnel's LUID through the IP Helper API, and
// journaled endpoint host routes via the physical gateway.
func NewRouter(log *slog.Logger, stateDir string) Router {
	return &windowsRouter{log: log, journal: NewRouteJournal(stateDir)}
}

type windowsRouter struct {
	log     *slog.Logger
	journal RouteJournal

	// mu orders Up and Down with Replan, which the network monitor calls.
	mu   sync.Mutex
	luid winipcfg.LUID
}

func (r *windowsRouter) Up(cfg TunnelConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	luid, err := luidByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("tunnel interface %s: %w", cfg.Interface, err)
	}
	r.luid = luid
	plan := MakePlan(cfg)
	if err := setInterfaces(luid, TunnelInterfaceSettings(plan, cfg.MTU)); err != nil {
		return fmt.Errorf("interface settings on %s: %w", cfg.Interface, err)
	}
	if err := luid.SetIPAddresses(plan.Addresses); err != nil {
		return fmt.Errorf("addresses on %s: %w", cfg.Interface, err)
	}
	routes := SplitPlan(plan, cfg.Endpoints, bestGateway(windows.AF_INET, luid), bestGateway(windows.AF_INET6, luid))
	rp := windowsRoutes(routes, TunnelIPv6(cfg.Interface))
	if len(rp.FirewallOnly) > 0 {
		r.log.Info("IPv6 blocked by the firewall alone: the tunnel adapter has no IPv6 for its reject routes", "routes", rp.FirewallOnly)
	}
	for _, jr := range rp.Hosts {
		if err := r.addHostRoute(jr); err != nil {
			return err
		}
	}
	for _, dst := range rp.Waiting {
		r.log.Warn("no gateway for the endpoint's family; its host route waits for a network change", "dst", dst)
	}
	tunnelRoutes := make([]*winipcfg.RouteData, len(rp.Tunnel))
	for i, tr := range rp.Tunnel {
		tunnelRoutes[i] = &winipcfg.RouteData{Destination: tr.Dst, NextHop: tr.NextHop}
	}
	if err := luid.SetRoutes(tunnelRoutes); err != nil {
		return fmt.Errorf("routes on %s: %w", cfg.Interface, err)
	}
	r.log.Info("routes up", "iface", cfg.Interface, "full4", plan.Full4, "full6", plan.Full6, "block4", plan.Block4, "block6", plan.Block6, "routes", len(routes))
	return nil
}

// addHostRoute journals the route, then adds it. A route that already
// exists (left by a crash, or added twice on reconnect) is what is wanted,
// not a failure.
func (r *windowsRouter) addHostRoute(jr JournaledRoute) error {
	if err := r.journal.Add(jr); err != nil {
		return fmt.Errorf("endpoint route %s: %w", jr.Dst, err)
	}
	err := winipcfg.LUID(jr.LUID).AddRoute(jr.Dst, jr.NextHop, 0)
	if err != nil && !errors.Is(err, windows.ERROR_OBJECT_ALREADY_EXISTS) {
		return fmt.Errorf("endpoint route %s via %s: %w", jr.Dst, jr.Interface, err)
	}
	return nil
}

// deleteHostRoute deletes the route, then forgets it; one already gone is
// fine.
func (r *windowsRouter) deleteHostRoute(jr JournaledRoute) error {
	err := winipcfg.LUID(jr.LUID).DeleteRoute(jr.Dst, jr.NextHop)
	if err != nil && !errors.Is(err, windows.ERROR_NOT_FOUND) && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return fmt.Errorf("endpoint route %s via %s: %w", jr.Dst, jr.Interface, err)
	}
	return r.journal.Remove(jr)
}

// Replan moves the endpoint host routes to the gateways that are best now,
// after a route or interface change (EndpointRouteChanges decides).
func (r *windowsRouter) Replan(endpoints []netip.AddrPort) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.luid == 0 {
		return nil
	}
	have, err := r.journal.Load()
	if err != nil {
		return err
	}
	var want []JournaledRoute
	for _, rt := range SplitPlan(Plan{}, endpoints, bestGateway(windows.AF_INET, r.luid), bestGateway(windows.AF_INET6, r.luid)) {
		if rt.Via != nil {
			want = append(want, rt.Journaled())
		}
	}
	remove, add := EndpointRouteChanges(have, want)
	var errs []error
	for _, jr := range remove {
		errs = append(errs, r.deleteHostRoute(jr))
	}
	for _, jr := range add {
		r.log.Info("endpoint route re-planned", "dst", jr.Dst, "via", jr.Interface, "next_hop", jr.NextHop)
		errs = append(errs, r.addHostRoute(jr))
	}
	return errors.Join(errs...)
}

// Down removes every journaled endpoint host route, this run's and those a
// crashed run left; the tunnel's own routes and addresses go with the
// adapter. A journal that cannot be read is set aside (kept for a person
// to look at) so it cannot block every later connect.
func (r *windowsRouter) Down() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.luid = 0
	routes, err := r.journal.Load()
	if err != nil {
		aside := r.journal.Path + ".unreadable"
		r.log.Error("route journal unreadable; set aside, its routes must be checked by hand", "err", err, "moved_to", aside)
		return errors.Join(err, os.Rename(r.journal.Path, aside))
	}
	var errs []error
	for _, jr := range routes {
		errs = append(errs, r.deleteHostRoute(jr))
	}
	return errors.Join(errs...)
}

// setInterfaces applies the decided settings to each family's IP interface.
func setInterfaces(luid winipcfg.LUID, settings []IPInterfaceSettings) error {
	for _, s := range settings {
		family := winipcfg.AddressFamily(windows.AF_INET)
		if s.IPv6 {
			family = windows.AF_INET6
		}
		ipif, err := luid.IPInterface(family)
		if err != nil {
			return err
		}
		ipif.NLMTU = s.MTU
		ipif.UseAutomaticMetric = s.AutomaticMetric
		if !s.AutomaticMetric {
			ipif.Metric = s.Metric
		}
		ipif.DadTransmits = s.DADTransmits
		ipif.ManagedAddressConfigurationSupported = false
		ipif.OtherStatefulConfigurationSupported = false
		if !s.RouterDiscovery {
			ipif.RouterDiscoveryBehavior = winipcfg.RouterDiscoveryDisabled
		}
		if err := ipif.Set(); err != nil {
			return err
		}
	}
	return nil
}

// bestGateway returns the physical default route of a family that Windows
// itself would pick: the lowest route metric plus interface metric among
// connected interfaces other than the tunnel.
func bestGateway(family winipcfg.AddressFamily, tunnel winipcfg.LUID) *Gateway {
	rows, err := winipcfg.GetIPForwardTable2(family)
	if err != nil {
		return nil
	}
	var cands []Gateway
	for _, row := range rows {
		if row.DestinationPrefix.PrefixLength != 0 || row.InterfaceLUID == tunnel {
			continue
		}
		ipif, err := row.InterfaceLUID.IPInterface(family)
		if err != nil || !ipif.Connected {
			continue
		}
		name := fmt.Sprint(row.InterfaceIndex)
		if ifc, err := net.InterfaceByIndex(int(row.InterfaceIndex)); err == nil {
			name = ifc.Name
		}
		cands = append(cands, Gateway{Interface: name, LUID: uint64(row.InterfaceLUID), NextHop: row.NextHop.Addr(), Metric: row.Metric + ipif.Metric})
	}
	return BestGateway(cands, "")
}

// ipInterfaceTable reads both families' IP interface tables.
func ipInterfaceTable() ([]IPInterface, error) {
	var out []IPInterface
	for _, family := range []winipcfg.AddressFamily{windows.AF_INET, windows.AF_INET6} {
		rows, err := winipcfg.GetIPInterfaceTable(family)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			loopback := false
			if ifrow, err := row.InterfaceLUID.Interface(); err == nil {
				loopback = ifrow.Type == winipcfg.IfTypeSoftwareLoopback
			}
			out = append(out, IPInterface{LUID: uint64(row.InterfaceLUID), IPv6: family == windows.AF_INET6, Loopback: loopback})
		}
	}
	return out, nil
}

// TunnelIPv6 reports whether the tunnel interface runs IPv6; with
// DisabledComponents it may not while the host does.
func TunnelIPv6(iface string) bool {
	luid, err := luidByName(iface)
	if err != nil {
		return true
	}
	table, err := ipInterfaceTable()
	return err != nil || TunnelIPv6From(table, uint64(luid))
}

// HasIPv6 reports whether any interface but loopback runs IPv6: with
// DisabledComponents 0xFF none does, and the service runs IPv4-only.
func HasIPv6() bool {
	table, err := ipInterfaceTable()
	if err != nil {
		return true
	}
	return HostIPv6From(table)
}
