package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"

	"github.com/palisadevpn/palisade/platform/coverage"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// NewRouter returns the Linux router: wg-quick style policy routing for both
// families through netlink. It needs no journal (stateDir is unused): its
// leftovers are recognised by their table and rule priorities.
func NewRouter(log *slog.Logger, stateDir string) Router {
	return &linuxRouter{log: log}
}

type linuxRouter struct {
	log *slog.Logger
}

func (r *linuxRouter) Up(cfg TunnelConfig) error {
	plan := MakePlan(cfg)
	link, err := netlink.LinkByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("tunnel link %s: %w", cfg.Interface, err)
	}
	for _, a := range plan.Addresses {
		addr := &netlink.Addr{IPNet: prefixNet(a)}
		if a.Addr().Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := netlink.AddrReplace(link, addr); err != nil {
			return fmt.Errorf("address %s on %s: %w", a, cfg.Interface, err)
		}
	}
	if cfg.MTU > 0 {
		if err := netlink.LinkSetMTU(link, cfg.MTU); err != nil {
			return fmt.Errorf("MTU %d on %s: %w", cfg.MTU, cfg.Interface, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("link %s up: %w", cfg.Interface, err)
	}
	idx := link.Attrs().Index
	// Every route of the tunnel lives in Table, looked up only by packets
	// without FwMark: the WireGuard socket's own packets never enter the
	// tunnel, whatever the allowed IPs (an allowed range may contain the
	// endpoint), for split and full tunnels alike.
	used := map[int]bool{}
	for _, p := range plan.Routes {
		if err := netlink.RouteReplace(&netlink.Route{LinkIndex: idx, Dst: prefixNet(p), Table: Table}); err != nil {
			return fmt.Errorf("route %s via %s in table %d: %w", p, cfg.Interface, Table, err)
		}
		used[familyOf(p)] = true
	}
	for _, f := range []coverage.Family{coverage.IPv4, coverage.IPv6} {
		if !plan.Blocked(f) {
			continue
		}
		// Unreachable, not blackhole: programs get an error at once and
		// fall back to the family the tunnel carries.
		all := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if f == coverage.IPv6 {
			all = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
		unreachable := &netlink.Route{Type: unix.RTN_UNREACHABLE, Family: familyOf(all), Table: Table, Dst: prefixNet(all)}
		if err := netlink.RouteReplace(unreachable); err != nil {
			return fmt.Errorf("unreachable %s in table %d: %w", all, Table, err)
		}
		used[familyOf(all)] = true
	}
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		if used[family] {
			if err := policyRules(family, cfg.Split); err != nil {
				return err
			}
		}
	}
	for _, pr := range PinnedRules(plan.Pinned) {
		if err := addRule(familyOf(pr.Dst), pr); err != nil {
			return err
		}
	}
	r.log.Info("routes up", "iface", cfg.Interface, "full4", plan.Full4, "full6", plan.Full6, "block4", plan.Block4, "block6", plan.Block6, "routes", len(plan.Routes))
	return nil
}

// policyRules installs a family's rules (PolicyRules): every packet
// without FwMark to Table, keeping main's more specific routes (the LAN)
// first through suppress_prefixlength 0, as wg-quick does, or the split
// tunnel's variants. A packet that matches no route in Table falls through
// to main, so a split tunnel leaves the rest alone.
func policyRules(family int, split SplitMode) error {
	if family == unix.AF_INET {
		if err := os.WriteFile("/proc/sys/net/ipv4/conf/all/src_valid_mark", []byte("1"), 0o644); err != nil {
			return fmt.Errorf("src_valid_mark: %w", err)
		}
	}
	for _, pr := range PolicyRules(split) {
		if err := addRule(family, pr); err != nil {
			return err
		}
	}
	return nil
}

// addRule installs one policy rule of a family; an existing one is fine.
func addRule(family int, pr PolicyRule) error {
	rule := netlink.NewRule()
	rule.Family = family
	rule.Priority = pr.Priority
	rule.Table = pr.Table
	rule.SuppressPrefixlen = pr.SuppressPrefixlen
	if pr.Dst.IsValid() {
		rule.Dst = prefixNet(pr.Dst)
	}
	if pr.Mark != 0 {
		rule.Mark = pr.Mark
		rule.Invert = pr.Invert
	}
	if err := netlink.RuleAdd(rule); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("policy rule (prio %d): %w", rule.Priority, err)
	}
	return nil
}

func familyOf(p netip.Prefix) int {
	if p.Addr().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// Down removes the rules and the table. The tunnel's own addresses and
// routes vanish with the interface when the device closes.
func (r *linuxRouter) Down() error {
	var errs []error
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		rules, err := netlink.RuleList(family)
		if err != nil {
			if family == unix.AF_INET6 && !HasIPv6() {
				continue
			}
			errs = append(errs, err)
			continue
		}
		for _, rule := range rules {
			if slices.Contains(ourPriorities, rule.Priority) {
				if err := netlink.RuleDel(&rule); err != nil && !errors.Is(err, unix.ENOENT) {
					errs = append(errs, fmt.Errorf("delete rule %d: %w", rule.Priority, err))
				}
			}
		}
		routes, err := netlink.RouteListFiltered(family, &netlink.Route{Table: Table}, netlink.RT_FILTER_TABLE)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, rt := range routes {
			if err := netlink.RouteDel(&rt); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("delete route in table %d: %w", Table, err))
			}
		}
	}
	return errors.Join(errs...)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}

// HasIPv6 reports whether the host (this network namespace) has IPv6
// enabled at all.
func HasIPv6() bool {
	b, err := os.ReadFile("/proc/sys/net/ipv6/conf/all/disable_ipv6")
	return err == nil && len(b) > 0 && b[0] == '0'
}
