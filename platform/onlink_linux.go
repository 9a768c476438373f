package platform

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// OnLinkPrefixes reads the on-link prefixes of the physical interfaces, of
// both families, from the main routing table.
func OnLinkPrefixes(tunnel string) ([]netip.Prefix, error) {
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
			if r.Dst == nil || r.Type != unix.RTN_UNICAST {
				continue
			}
			link, ok := names[r.LinkIndex]
			if !ok {
				link, _ = netlink.LinkByIndex(r.LinkIndex)
				names[r.LinkIndex] = link
			}
			rt := Route{Dst: toPrefix(r.Dst)}
			if link != nil {
				rt.Interface = link.Attrs().Name
				rt.Loopback = link.Attrs().Flags&net.FlagLoopback != 0
			}
			if gw, ok := netip.AddrFromSlice(r.Gw); ok {
				rt.Gateway = gw
			}
			routes = append(routes, rt)
		}
	}
	return OnLink(routes, tunnel), nil
}

func toPrefix(n *net.IPNet) netip.Prefix {
	a, _ := netip.AddrFromSlice(n.IP)
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones)
}

// Monitor calls a function when addresses, routes or links change,
// debounced, so the firewall's LAN prefixes follow the network.
type Monitor struct {
	done chan struct{}
	once sync.Once
}

// debounce collapses a burst of netlink events (an address brings its
// route, DAD, ...) into one call.
const debounce = 200 * time.Millisecond

// NewMonitor starts watching; onChange runs on the monitor's goroutine.
func NewMonitor(log *slog.Logger, onChange func()) (*Monitor, error) {
	m := &Monitor{done: make(chan struct{})}
	routes := make(chan netlink.RouteUpdate, 64)
	addrs := make(chan netlink.AddrUpdate, 64)
	links := make(chan netlink.LinkUpdate, 64)
	if err := netlink.RouteSubscribe(routes, m.done); err != nil {
		return nil, err
	}
	if err := netlink.AddrSubscribe(addrs, m.done); err != nil {
		close(m.done)
		return nil, err
	}
	if err := netlink.LinkSubscribe(links, m.done); err != nil {
		close(m.done)
		return nil, err
	}
	go m.loop(log, routes, addrs, links, onChange)
	return m, nil
}

func (m *Monitor) loop(log *slog.Logger, routes chan netlink.RouteUpdate, addrs chan netlink.AddrUpdate, links chan netlink.LinkUpdate, onChange func()) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-m.done:
			timer.Stop()
			return
		case <-routes:
		case <-addrs:
		case <-links:
		case <-timer.C:
			log.Debug("network changed")
			onChange()
			continue
		}
		timer.Reset(debounce)
	}
}

// Close stops the monitor.
func (m *Monitor) Close() {
	m.once.Do(func() { close(m.done) })
}
