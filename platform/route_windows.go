package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// NewRouter returns the Windows router: addresses and split default routes
// on the tunnel's LUID through the IP Helper API.
func NewRouter(log *slog.Logger) Router {
	return &windowsRouter{log: log}
}

type windowsRouter struct {
	log       *slog.Logger
	luid      winipcfg.LUID
	hostRoute []SplitRoute
}

func (r *windowsRouter) Up(cfg TunnelConfig) error {
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("tunnel interface %s: %w", cfg.Interface, err)
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
	if err != nil {
		return fmt.Errorf("LUID of %s: %w", cfg.Interface, err)
	}
	r.luid = luid
	plan := MakePlan(cfg)
	if err := luid.SetIPAddresses(plan.Addresses); err != nil {
		return fmt.Errorf("addresses on %s: %w", cfg.Interface, err)
	}
	routes := SplitPlan(plan, cfg.Endpoints, windowsGateway(winipcfg.AddressFamily(2), cfg.Interface), windowsGateway(winipcfg.AddressFamily(23), cfg.Interface))
	var tunnelRoutes []*winipcfg.RouteData
	for _, rt := range routes {
		switch {
		case rt.Via != nil:
			if err := r.addHostRoute(rt); err != nil {
				return err
			}
		case rt.Reject:
			// Windows has no reject routes; the firewall's IPv6 block (WFP)
			// makes IPv6 fail fast, and these routes keep it off the LAN
			// gateway by sending it into the tunnel, which drops it.
			tunnelRoutes = append(tunnelRoutes, &winipcfg.RouteData{Destination: rt.Dst, NextHop: netip.IPv6Unspecified()})
		default:
			tunnelRoutes = append(tunnelRoutes, &winipcfg.RouteData{Destination: rt.Dst, NextHop: unspecified(rt.Dst)})
		}
	}
	if err := luid.SetRoutes(tunnelRoutes); err != nil {
		return fmt.Errorf("routes on %s: %w", cfg.Interface, err)
	}
	r.log.Info("routes up", "iface", cfg.Interface, "default4", plan.Default4, "default6", plan.Default6, "block6", plan.Block6, "routes", len(routes))
	return nil
}

func (r *windowsRouter) addHostRoute(rt SplitRoute) error {
	ifc, err := net.InterfaceByName(rt.Via.Interface)
	if err != nil {
		return err
	}
	gl, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
	if err != nil {
		return err
	}
	if err := gl.AddRoute(rt.Dst, rt.Via.NextHop, 0); err != nil {
		return fmt.Errorf("endpoint route %s: %w", rt.Dst, err)
	}
	r.hostRoute = append(r.hostRoute, rt)
	return nil
}

func (r *windowsRouter) Down() error {
	var errs []error
	for _, rt := range r.hostRoute {
		ifc, err := net.InterfaceByName(rt.Via.Interface)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gl, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
		if err == nil {
			err = gl.DeleteRoute(rt.Dst, rt.Via.NextHop)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	r.hostRoute = nil
	return errors.Join(errs...)
}

func unspecified(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// windowsGateway returns the best physical default route of a family.
func windowsGateway(family winipcfg.AddressFamily, tunnel string) *Gateway {
	rows, err := winipcfg.GetIPForwardTable2(family)
	if err != nil {
		return nil
	}
	var cands []Gateway
	for _, row := range rows {
		if row.DestinationPrefix.PrefixLength != 0 {
			continue
		}
		ifc, err := net.InterfaceByIndex(int(row.InterfaceIndex))
		if err != nil {
			continue
		}
		cands = append(cands, Gateway{Interface: ifc.Name, NextHop: row.NextHop.Addr(), Metric: row.Metric})
	}
	return BestGateway(cands, tunnel)
}

// HasIPv6 reports whether the host has an IPv6 stack; Windows always does.
func HasIPv6() bool { return true }
