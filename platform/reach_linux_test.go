package platform

import (
	"testing"

	"github.com/palisadevpn/palisade/internal/netnstest"
)

// HostReach reads the default routes of a real routing table: an
// IPv6-only link (a plain and a multipath IPv6 default) has IPv6 only;
// the tunnel's own default does not count.
func TestHostReachLinux(t *testing.T) {
	netnstest.Rerun(t, "TestHostReachLinuxChild",
		[]string{"link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"}, []string{"link", "set", "eth0p", "up"}, []string{"link", "set", "eth0", "up"},
		[]string{"link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"}, []string{"link", "set", "eth1p", "up"}, []string{"link", "set", "eth1", "up"},
		[]string{"link", "add", "tun0", "type", "veth", "peer", "name", "tun0p"}, []string{"link", "set", "tun0p", "up"}, []string{"link", "set", "tun0", "up"},
		[]string{"addr", "add", "2001:db8:50::2/64", "dev", "eth0", "nodad"},
		[]string{"addr", "add", "2001:db8:51::2/64", "dev", "eth1", "nodad"},
		[]string{"addr", "add", "10.64.0.2/32", "dev", "tun0"},
		[]string{"-6", "route", "add", "default", "nexthop", "via", "2001:db8:50::1", "dev", "eth0", "nexthop", "via", "2001:db8:51::1", "dev", "eth1"},
		[]string{"route", "add", "default", "dev", "tun0"})
}

func TestHostReachLinuxChild(t *testing.T) {
	netnstest.Child(t)
	r, err := HostReach("tun0")
	if err != nil {
		t.Fatal(err)
	}
	if r != (Reach{IPv6: true}) {
		t.Errorf("HostReach = %+v, want IPv6 only (multipath IPv6 default; IPv4 only on the tunnel)", r)
	}
	if r, _ := HostReach("other"); r != (Reach{IPv4: true, IPv6: true}) {
		t.Errorf("HostReach with tun0 not the tunnel = %+v, want both", r)
	}
}
