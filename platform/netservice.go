package platform

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/palisadevpn/palisade/platform/sysdns"
)

// tunnelService is the dynamic-store service ID under which the macOS
// router publishes the tunnel; the DNS manager sets its DNS as soon as it
// is published.
const tunnelService = sysdns.TunnelService

// tunnelServiceKeys are the dynamic-store keys the router publishes; they
// are fixed, so removing them at every start is their crash journal.
var tunnelServiceKeys = []string{
	"State:/Network/Service/" + tunnelService + "/IPv4",
	"State:/Network/Service/" + tunnelService + "/IPv6",
}

// tunnelServiceScript is the scutil(8) input publishing the tunnel as a
// network service: its addresses per family, and OverridePrimary for each
// family the tunnel carries fully, so configd makes it that family's primary
// service, as VPN clients that are not network extensions do (vpnc-script).
// macOS asks AAAA questions only when the primary service has IPv6: with an
// IPv4-only LAN and an IPv6 tunnel it otherwise never would (seed 003). The
// DNS manager then finds the tunnel as the primary service and sets its DNS.
// A plan that carries no family fully publishes nothing ("" is returned).
func tunnelServiceScript(iface string, p Plan) string {
	if !p.Full4 && !p.Full6 {
		return ""
	}
	var b strings.Builder
	for i, v6 := range []bool{false, true} {
		var addrs, lens []string
		for _, a := range p.Addresses {
			if a.Addr().Is6() != v6 {
				continue
			}
			addrs = append(addrs, a.Addr().String())
			if v6 {
				lens = append(lens, fmt.Sprint(a.Bits()))
			} else {
				lens = append(lens, netmask4(a.Bits()))
			}
		}
		if len(addrs) == 0 {
			continue
		}
		b.WriteString("d.init\n")
		fmt.Fprintf(&b, "d.add Addresses * %s\n", strings.Join(addrs, " "))
		if v6 {
			// configd reads IPv6 prefix lengths as numbers ("* #": an
			// array of numbers), IPv4 masks as strings.
			fmt.Fprintf(&b, "d.add PrefixLength * # %s\n", strings.Join(lens, " "))
		} else {
			fmt.Fprintf(&b, "d.add SubnetMasks * %s\n", strings.Join(lens, " "))
		}
		fmt.Fprintf(&b, "d.add InterfaceName %s\n", iface)
		fmt.Fprintf(&b, "d.add Router %s\n", addrs[0])
		if (v6 && p.Full6) || (!v6 && p.Full4) {
			b.WriteString("d.add OverridePrimary # 1\n")
		}
		fmt.Fprintf(&b, "set %s\n", tunnelServiceKeys[i])
	}
	return b.String()
}

// tunnelServiceRemoveScript removes whatever of the tunnel service exists.
func tunnelServiceRemoveScript() string {
	var b strings.Builder
	for _, k := range tunnelServiceKeys {
		fmt.Fprintf(&b, "remove %s\n", k)
	}
	return b.String()
}

func netmask4(bits int) string {
	var a [4]byte
	for i := 0; i < bits; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(a).String()
}
