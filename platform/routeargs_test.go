package platform

import (
	"net/netip"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// wireguard-go's darwin TUN accepts only these names (tun_darwin.go).
var darwinTunName = regexp.MustCompile(`^utun[0-9]*$`)

func TestTunnelName(t *testing.T) {
	if n := TunnelName("darwin"); !darwinTunName.MatchString(n) {
		t.Errorf("macOS asks for %q, which wireguard-go refuses", n)
	}
	for _, goos := range []string{"linux", "windows"} {
		if n := TunnelName(goos); n == "" || darwinTunName.MatchString(n) {
			t.Errorf("%s asks for %q", goos, n)
		}
	}
	if TunnelName(runtime.GOOS) == "" {
		t.Error("no tunnel name for this OS")
	}
}

func TestDefaultGateway(t *testing.T) {
	r := func(dst, iface, gw string) Route {
		rt := Route{Dst: netip.MustParsePrefix(dst), Interface: iface}
		if gw != "" {
			rt.Gateway = netip.MustParseAddr(gw)
		}
		return rt
	}
	scoped := r("0.0.0.0/0", "en1", "10.1.1.1")
	scoped.IfScope = true
	tests := []struct {
		name   string
		routes []Route
		v6     bool
		want   *Gateway
	}{
		{"router", []Route{scoped, r("0.0.0.0/0", "en0", "192.168.1.1"), r("0.0.0.0/1", "utun4", "")}, false,
			&Gateway{Interface: "en0", NextHop: netip.MustParseAddr("192.168.1.1")}},
		{"link-local IPv6 router keeps its zone", []Route{r("::/0", "en0", "fe80::1%en0")}, true,
			&Gateway{Interface: "en0", NextHop: netip.MustParseAddr("fe80::1%en0")}},
		{"PPP default without gateway", []Route{r("0.0.0.0/0", "ppp0", "")}, false, &Gateway{Interface: "ppp0"}},
		{"a next hop beats an interface route", []Route{r("0.0.0.0/0", "ppp0", ""), r("0.0.0.0/0", "en0", "192.168.1.1")}, false,
			&Gateway{Interface: "en0", NextHop: netip.MustParseAddr("192.168.1.1")}},
		{"link# default on the tunnel itself (seed 003)", []Route{r("0.0.0.0/0", "utun4", "")}, false, nil},
		// The tunnel's service is primary: the LAN default is scoped now.
		{"scoped default once the tunnel is primary", []Route{r("0.0.0.0/0", "utun4", ""), scoped}, false,
			&Gateway{Interface: "en1", NextHop: netip.MustParseAddr("10.1.1.1")}},
		{"wrong family", []Route{r("0.0.0.0/0", "en0", "192.168.1.1")}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultGateway(tt.routes, tt.v6, "utun4")
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Fatalf("DefaultGateway = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRouteAddArgs(t *testing.T) {
	en0 := func(nh string) *Gateway {
		g := &Gateway{Interface: "en0"}
		if nh != "" {
			g.NextHop = netip.MustParseAddr(nh)
		}
		return g
	}
	p := netip.MustParsePrefix
	tests := []struct {
		rt   SplitRoute
		want string
	}{
		{SplitRoute{Dst: p("0.0.0.0/1")}, "-q -n add -inet 0.0.0.0/1 -interface utun4"},
		{SplitRoute{Dst: p("8000::/1")}, "-q -n add -inet6 8000::/1 -interface utun4"},
		{SplitRoute{Dst: p("::/1"), Reject: true}, "-q -n add -inet6 ::/1 ::1 -reject"},
		{SplitRoute{Dst: p("198.51.100.2/32"), Via: en0("192.168.1.1")}, "-q -n add -inet 198.51.100.2/32 -gateway 192.168.1.1"},
		// The scope of a link-local gateway is kept, or added from its
		// interface: without it IPv6 endpoints cannot be reached.
		{SplitRoute{Dst: p("2001:db8::2/128"), Via: en0("fe80::1%en0")}, "-q -n add -inet6 2001:db8::2/128 -gateway fe80::1%en0"},
		{SplitRoute{Dst: p("2001:db8::2/128"), Via: en0("fe80::1")}, "-q -n add -inet6 2001:db8::2/128 -gateway fe80::1%en0"},
		{SplitRoute{Dst: p("2001:db8::2/128"), Via: en0("2001:db8:1::1")}, "-q -n add -inet6 2001:db8::2/128 -gateway 2001:db8:1::1"},
		// No next hop: an interface-scoped route (PPP) or a blackhole.
		{SplitRoute{Dst: p("198.51.100.2/32"), Via: &Gateway{Interface: "ppp0"}}, "-q -n add -inet 198.51.100.2/32 -interface ppp0"},
		{SplitRoute{Dst: p("198.51.100.2/32"), Blackhole: true}, "-q -n add -inet 198.51.100.2/32 127.0.0.1 -blackhole"},
		{SplitRoute{Dst: p("2001:db8::2/128"), Blackhole: true}, "-q -n add -inet6 2001:db8::2/128 ::1 -blackhole"},
	}
	for _, tt := range tests {
		if got := strings.Join(routeAddArgs(tt.rt, "utun4"), " "); got != tt.want {
			t.Errorf("routeAddArgs(%+v) = %q, want %q", tt.rt, got, tt.want)
		}
	}
	if got := strings.Join(routeDeleteArgs(p("2001:db8::2/128")), " "); got != "-q -n delete -inet6 2001:db8::2/128" {
		t.Errorf("routeDeleteArgs = %q", got)
	}
}

func TestRouteOutcomes(t *testing.T) {
	if !routeExists("route: writing to routing socket: File exists") || routeExists("add net 0.0.0.0: gateway utun4") {
		t.Error("routeExists misreads route(8)")
	}
	if !routeMissing("route: writing to routing socket: not in table") || routeMissing("File exists") {
		t.Error("routeMissing misreads route(8)")
	}
	if got := strings.Join(addressArgs("utun4", netip.MustParsePrefix("10.64.1.2/32")), " "); got != "utun4 inet 10.64.1.2/32 10.64.1.2 alias" {
		t.Errorf("IPv4 address args = %q", got)
	}
	if got := strings.Join(addressArgs("utun4", netip.MustParsePrefix("fd00:64::2/128")), " "); got != "utun4 inet6 fd00:64::2/128 alias" {
		t.Errorf("IPv6 address args = %q", got)
	}
}
