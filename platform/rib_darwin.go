package platform

import (
	"math/bits"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// readRoutes dumps the kernel routing table (both families) through the
// routing socket (sysctl NET_RT_DUMP), leaving out neighbour-cache entries
// and cloned host routes, which say nothing about gateways or prefixes.
func readRoutes() ([]Route, error) {
	b, err := route.FetchRIB(syscall.AF_UNSPEC, route.RIBTypeRoute, 0)
	if err != nil {
		return nil, err
	}
	msgs, err := route.ParseRIB(route.RIBTypeRoute, b)
	if err != nil {
		return nil, err
	}
	ifs := ifaceCache{}
	var out []Route
	for _, m := range msgs {
		rm, ok := m.(*route.RouteMessage)
		if !ok || rm.Flags&(unix.RTF_LLINFO|unix.RTF_WASCLONED) != 0 || rm.Flags&unix.RTF_UP == 0 {
			continue
		}
		if r, ok := toRoute(rm, ifs); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

type ifaceCache map[int]*net.Interface

func (c ifaceCache) get(index int) *net.Interface {
	if ifc, ok := c[index]; ok {
		return ifc
	}
	ifc, _ := net.InterfaceByIndex(index)
	c[index] = ifc
	return ifc
}

func (c ifaceCache) name(index int) string {
	if ifc := c.get(index); ifc != nil {
		return ifc.Name
	}
	return strconv.Itoa(index)
}

func toRoute(rm *route.RouteMessage, ifs ifaceCache) (Route, bool) {
	at := func(i int) route.Addr {
		if i < len(rm.Addrs) {
			return rm.Addrs[i]
		}
		return nil
	}
	dst, ok := inetAddr(at(unix.RTAX_DST), ifs)
	if !ok {
		return Route{}, false
	}
	n := dst.BitLen()
	if rm.Flags&unix.RTF_HOST == 0 {
		if m := at(unix.RTAX_NETMASK); m != nil {
			n = maskBits(m)
		}
	}
	r := Route{Dst: netip.PrefixFrom(dst.WithZone(""), n), IfScope: rm.Flags&unix.RTF_IFSCOPE != 0,
		Reject: rm.Flags&(unix.RTF_REJECT|unix.RTF_BLACKHOLE) != 0}
	if ifc := ifs.get(rm.Index); ifc != nil {
		r.Interface = ifc.Name
		r.Loopback = ifc.Flags&net.FlagLoopback != 0
	}
	// A link-layer gateway (link#N) is an interface route: no next hop.
	if gw, ok := inetAddr(at(unix.RTAX_GATEWAY), ifs); ok && rm.Flags&unix.RTF_GATEWAY != 0 {
		r.Gateway = gw
	}
	return r, true
}

// inetAddr converts a routing-socket address; link-local IPv6 addresses get
// their interface's name as zone.
func inetAddr(a route.Addr, ifs ifaceCache) (netip.Addr, bool) {
	switch a := a.(type) {
	case *route.Inet4Addr:
		return netip.AddrFrom4(a.IP), true
	case *route.Inet6Addr:
		ip := netip.AddrFrom16(a.IP)
		if a.ZoneID != 0 {
			ip = ip.WithZone(ifs.name(a.ZoneID))
		}
		return ip, true
	}
	return netip.Addr{}, false
}

func maskBits(a route.Addr) int {
	n := 0
	switch a := a.(type) {
	case *route.Inet4Addr:
		for _, b := range a.IP {
			n += bits.OnesCount8(b)
		}
	case *route.Inet6Addr:
		for _, b := range a.IP {
			n += bits.OnesCount8(b)
		}
	}
	return n
}

// OnLinkPrefixes reads the on-link prefixes of the physical interfaces from
// the routing table. Point-to-point links (other VPNs' utun, PPP) have no
// LAN neighbours, so their routes are left out.
func OnLinkPrefixes(tunnel string) ([]netip.Prefix, error) {
	routes, err := readRoutes()
	if err != nil {
		return nil, err
	}
	p2p := map[string]bool{}
	if ifcs, err := net.Interfaces(); err == nil {
		for _, ifc := range ifcs {
			p2p[ifc.Name] = ifc.Flags&net.FlagPointToPoint != 0
		}
	}
	var lan []Route
	for _, r := range routes {
		if !p2p[r.Interface] {
			lan = append(lan, r)
		}
	}
	return OnLink(lan, tunnel), nil
}
