//go:build darwin || windows

package platform

import (
	"net/netip"
	"slices"
	"testing"
)

// On a real Mac or Windows PC (the OS workflows' runners) the routing-table
// reader finds this machine's IPv4 default route, with an interface and a
// next hop on one of the on-link prefixes: the RIB parsing (macOS routing
// socket, Windows GetIPForwardTable2) that every endpoint route and the
// allow-LAN rule depend on, checked against a live table.
func TestThisHostDefaultRoute(t *testing.T) {
	routes, err := readRoutes()
	if err != nil {
		t.Fatal(err)
	}
	gw := DefaultGateway(routes, false, "")
	if gw == nil {
		t.Fatalf("no IPv4 default route among %d routes: %+v", len(routes), routes)
	}
	if gw.Interface == "" || gw.Interface == "?" {
		t.Errorf("default route without its interface's name: %+v", gw)
	}
	reach, err := HostReach("")
	if err != nil || !reach.IPv4 {
		t.Errorf("HostReach = %+v, %v; want IPv4", reach, err)
	}
	onlink, err := OnLinkPrefixes("")
	if err != nil {
		t.Fatal(err)
	}
	if nh := gw.NextHop.WithZone(""); gw.NextHop.IsValid() && !slices.ContainsFunc(onlink, func(p netip.Prefix) bool { return p.Contains(nh) }) {
		t.Errorf("next hop %s of %s on none of the on-link prefixes %v", gw.NextHop, gw.Interface, onlink)
	}
	t.Logf("default route via %s on %s; on-link %v", gw.NextHop, gw.Interface, onlink)
}
