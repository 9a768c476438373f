package platform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os/exec"
	"strings"
)

// NewRouter returns the macOS router: addresses with ifconfig and split
// default routes with route(8), as wg-quick does on macOS. stateDir is
// where the route journal belongs (not used by this router yet).
func NewRouter(log *slog.Logger, stateDir string) Router {
	return &darwinRouter{log: log}
}

type darwinRouter struct {
	log       *slog.Logger
	installed []SplitRoute
	iface     string
}

func (r *darwinRouter) Up(cfg TunnelConfig) error {
	plan := MakePlan(cfg)
	r.iface = cfg.Interface
	for _, a := range plan.Addresses {
		args := []string{cfg.Interface, "inet6", a.String(), "alias"}
		if a.Addr().Is4() {
			args = []string{cfg.Interface, "inet", a.String(), a.Addr().String(), "alias"}
		}
		if err := run("ifconfig", args...); err != nil {
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
	routes := SplitPlan(plan, cfg.Endpoints, darwinGateway("-inet"), darwinGateway("-inet6"))
	for _, rt := range routes {
		if err := run("route", routeArgs("add", rt, cfg.Interface)...); err != nil {
			return err
		}
		r.installed = append(r.installed, rt)
	}
	r.log.Info("routes up", "iface", cfg.Interface, "default4", plan.Default4, "default6", plan.Default6, "block6", plan.Block6, "routes", len(routes))
	return nil
}

func (r *darwinRouter) Down() error {
	var errs []error
	// Routes via the tunnel vanish with the interface; endpoint host routes
	// and reject routes do not, so they are removed explicitly.
	for _, rt := range r.installed {
		if rt.Via != nil || rt.Reject {
			if err := run("route", routeArgs("delete", rt, r.iface)...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	r.installed = nil
	return errors.Join(errs...)
}

func routeArgs(verb string, rt SplitRoute, iface string) []string {
	family := "-inet"
	if rt.Dst.Addr().Is6() {
		family = "-inet6"
	}
	args := []string{"-q", "-n", verb, family, rt.Dst.String()}
	switch {
	case rt.Via != nil:
		args = append(args, "-gateway", rt.Via.NextHop.WithZone("").String())
	case rt.Reject:
		args = append(args, "::1", "-reject")
	default:
		args = append(args, "-interface", iface)
	}
	return args
}

// darwinGateway reads the current default route of a family.
func darwinGateway(family string) *Gateway {
	out, err := exec.Command("route", "-n", "get", family, "default").Output()
	if err != nil {
		return nil
	}
	var g Gateway
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		switch k {
		case "gateway":
			g.NextHop, _ = netip.ParseAddr(strings.TrimSpace(v))
		case "interface":
			g.Interface = strings.TrimSpace(v)
		}
	}
	if !g.NextHop.IsValid() {
		return nil
	}
	return &g
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// HasIPv6 reports whether the host has an IPv6 stack; macOS always does.
func HasIPv6() bool { return true }
