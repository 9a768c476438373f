package platform

import (
	"log/slog"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// readRoutes reads the unicast routes of both families from the main
// table (the tunnel's own live in Table). A default route has no Dst in
// netlink; it becomes its family's /0.
func readRoutes() ([]Route, error) {
	var routes []Route
	names := map[int]netlink.Link{}
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		rs, err := netlink.RouteListFiltered(family, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
		if err != nil {
			if family == unix.AF_INET6 {
				continue // IPv6 disabled
			}
			return nil, err
		}
		for _, r := range rs {
			if r.Type != unix.RTN_UNICAST {
				continue
			}
			// A multipath (ECMP) route names its interfaces and gateways
			// per next hop; the first one stands for it.
			if len(r.MultiPath) > 0 && r.LinkIndex == 0 {
				r.LinkIndex, r.Gw = r.MultiPath[0].LinkIndex, r.MultiPath[0].Gw
			}
			link, ok := names[r.LinkIndex]
			if !ok {
				link, _ = netlink.LinkByIndex(r.LinkIndex)
				names[r.LinkIndex] = link
			}
			rt := Route{Dst: netip.PrefixFrom(netip.IPv4Unspecified(), 0)}
			if family == unix.AF_INET6 {
				rt.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
			if r.Dst != nil {
				rt.Dst = toPrefix(r.Dst)
			}
			if link != nil {
				rt.Interface = link.Attrs().Name
				rt.Loopback = link.Attrs().Flags&net.FlagLoopback != 0
			}
			if gw, ok := netip.AddrFromSlice(r.Gw); ok {
				rt.Gateway = gw.Unmap()
			}
			routes = append(routes, rt)
		}
	}
	return routes, nil
}

func toPrefix(n *net.IPNet) netip.Prefix {
	a, _ := netip.AddrFromSlice(n.IP)
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones)
}

// NewMonitor starts watching netlink for address, route and link changes;
// onChange runs on the monitor's goroutine.
func NewMonitor(log *slog.Logger, onChange func()) (*Monitor, error) {
	m := newMonitor(nil)
	routes := make(chan netlink.RouteUpdate, 64)
	addrs := make(chan netlink.AddrUpdate, 64)
	links := make(chan netlink.LinkUpdate, 64)
	if err := netlink.RouteSubscribe(routes, m.done); err != nil {
		return nil, err
	}
	if err := netlink.AddrSubscribe(addrs, m.done); err != nil {
		m.Close()
		return nil, err
	}
	if err := netlink.LinkSubscribe(links, m.done); err != nil {
		m.Close()
		return nil, err
	}
	go func() {
		for {
			select {
			case <-m.done:
				return
			case <-routes:
			case <-addrs:
			case <-links:
			}
			m.notify()
		}
	}()
	go m.debounceLoop(log, onChange)
	return m, nil
}
