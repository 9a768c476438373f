package platform

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/platform/coverage"
)

func TestTunnelServiceScript(t *testing.T) {
	addrs := pfx("10.64.1.2/32", "fd00:64::2/128")
	got := tunnelServiceScript("utun4", Plan{Addresses: addrs, Scope: coverage.Scope{Full4: true, Full6: true}})
	want := `d.init
d.add Addresses * 10.64.1.2
d.add SubnetMasks * 255.255.255.255
d.add InterfaceName utun4
d.add Router 10.64.1.2
d.add OverridePrimary # 1
set State:/Network/Service/com.palisadevpn.tunnel/IPv4
d.init
d.add Addresses * fd00:64::2
d.add PrefixLength * # 128
d.add InterfaceName utun4
d.add Router fd00:64::2
d.add OverridePrimary # 1
set State:/Network/Service/com.palisadevpn.tunnel/IPv6
`
	if got != want {
		t.Errorf("full dual-stack tunnel:\n%s\nwant\n%s", got, want)
	}
	// A full IPv4 tunnel with split IPv6: only IPv4 takes over as primary.
	got = tunnelServiceScript("utun4", Plan{Addresses: addrs, Scope: coverage.Scope{Full4: true}})
	if strings.Count(got, "OverridePrimary") != 1 || !strings.Contains(got, "OverridePrimary # 1\nset State:/Network/Service/com.palisadevpn.tunnel/IPv4") {
		t.Errorf("IPv4-only full tunnel:\n%s", got)
	}
	if got := tunnelServiceScript("utun4", Plan{Addresses: addrs, Scope: coverage.Scope{Routes: pfx("10.0.0.0/8")}}); got != "" {
		t.Errorf("a split tunnel published a service:\n%s", got)
	}
	if got := tunnelServiceScript("utun4", Plan{Addresses: pfx("10.64.1.2/24"), Scope: coverage.Scope{Full4: true}}); !strings.Contains(got, "SubnetMasks * 255.255.255.0\n") || strings.Contains(got, "IPv6") {
		t.Errorf("IPv4-only /24 tunnel:\n%s", got)
	}
	rm := tunnelServiceRemoveScript()
	for _, k := range tunnelServiceKeys {
		if !strings.Contains(rm, "remove "+k+"\n") {
			t.Errorf("remove script lacks %s", k)
		}
	}
	if netmask4(0) != "0.0.0.0" || netmask4(20) != netip.MustParseAddr("255.255.240.0").String() {
		t.Error("netmask4")
	}
}
