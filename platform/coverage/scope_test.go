package coverage

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestRoutes(t *testing.T) {
	dual, v4 := list("10.64.0.2/32, fd64::2/128"), list("10.64.0.2/32")
	allowed := list("0.0.0.1/1, 128.0.0.0/1, 0.0.0.0/1, ::/0")
	if got, want := Routes(dual, allowed), list("0.0.0.0/1, 128.0.0.0/1, ::/0"); !reflect.DeepEqual(got, want) {
		t.Errorf("dual-stack tunnel: Routes = %v, want %v", got, want)
	}
	if got, want := Routes(v4, allowed), list("0.0.0.0/1, 128.0.0.0/1"); !reflect.DeepEqual(got, want) {
		t.Errorf("IPv4-only tunnel: Routes = %v, want %v", got, want)
	}
	if got, want := Routes(list("fd64::2/128"), allowed), list("::/0"); !reflect.DeepEqual(got, want) {
		t.Errorf("IPv6-only tunnel: Routes = %v, want %v", got, want)
	}
	if got := Routes(dual, []netip.Prefix{{}}); got != nil {
		t.Errorf("invalid prefix routed: %v", got)
	}
}

func TestDecideAndString(t *testing.T) {
	tests := []struct {
		routes   string
		hostIPv6 bool
		want     Scope
		text     string
	}{
		{"0.0.0.0/0, ::/0", true, Scope{Full4: true, Full6: true}, "full tunnel, IPv4 and IPv6"},
		{"0.0.0.0/1, 128.0.0.0/1", true, Scope{Full4: true, Block6: true}, "full IPv4 tunnel, IPv6 blocked"},
		{"0.0.0.0/1, 128.0.0.0/1", false, Scope{Full4: true}, "full IPv4 tunnel, IPv6 not tunnelled"},
		{excludePrivate4, true, Scope{Full4: true, Block6: true},
			"full IPv4 tunnel (left outside: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3), IPv6 blocked"},
		{excludePrivate4 + ", " + excludePrivate6, true, Scope{Full4: true, Full6: true},
			"full tunnel, IPv4 and IPv6 (left outside: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3, fc00::/7, fe80::/10, ff00::/8)"},
		{"0.0.0.0/0, fd64::/64", true, Scope{Full4: true, Block6: true}, "full IPv4 tunnel, IPv6 blocked except fd64::/64"},
		{"::/0, 10.64.0.0/24", true, Scope{Full6: true, Block4: true}, "full IPv6 tunnel, IPv4 blocked except 10.64.0.0/24"},
		{"::/0", true, Scope{Full6: true, Block4: true}, "full IPv6 tunnel, IPv4 blocked"},
		{"2000::/3", true, Scope{}, "split: 2000::/3"},
		{"0.0.0.0/0, 2000::/3", true, Scope{Full4: true, Block6: true}, "full IPv4 tunnel, IPv6 blocked except 2000::/3"},
		{"10.64.0.0/24, 198.51.100.0/24, fd64::/64", true, Scope{}, "split: 10.64.0.0/24, 198.51.100.0/24, fd64::/64"},
		{"0.0.0.0/1", true, Scope{}, "split: 0.0.0.0/1"},
		{"", true, Scope{}, "nothing routed: the profile has no allowed IPs"},
	}
	for _, tt := range tests {
		routes := list(tt.routes)
		got := Decide(routes, tt.hostIPv6)
		tt.want.Routes = routes
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decide(%.40s…, %v) = %+v, want %+v", tt.routes, tt.hostIPv6, got, tt.want)
		}
		if s := got.String(); s != tt.text {
			t.Errorf("%.40s…: String() = %q, want %q", tt.routes, s, tt.text)
		}
	}
}
