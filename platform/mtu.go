package platform

import (
	"fmt"
	"net/netip"
)

// Tunnel MTU bounds, as wg-quick and wireguard-windows choose them.
const (
	// WireGuardOverhead is what WireGuard adds to each packet over IPv6
	// (40 IPv6 + 8 UDP + 32 WireGuard); wg-quick subtracts it for both
	// families, so a tunnel moved to an IPv6 endpoint still fits.
	WireGuardOverhead = 80
	// MinIPv6MTU is IPv6's minimum link MTU: a tunnel carrying IPv6 never
	// goes below it.
	MinIPv6MTU = 1280
	// MinIPv4MTU is the smallest MTU every IPv4 host must take.
	MinIPv4MTU = 576
)

// Uplink is the physical interface the tunnel's packets leave by, and its
// MTU (the route's MTU where that is lower).
type Uplink struct {
	Interface string
	MTU       int
}

// MTUChoice is the tunnel MTU and why it was chosen, for the log and
// `palisade status`.
type MTUChoice struct {
	MTU int
	Why string
}

// ChooseMTU decides the tunnel MTU: the profile's when it sets one;
// otherwise the lowest uplink MTU of the endpoints minus the WireGuard
// overhead, not above DefaultMTU (a jumbo-frame LAN says nothing about the
// path beyond it) and not below IPv6's minimum when the tunnel carries IPv6
// (the host then fragments the outer packets rather than break IPv6), and
// below the cap rounded down to a multiple of 16 (the server's padding).
// Without a known uplink it is DefaultMTU.
func ChooseMTU(profileMTU int, uplinks []Uplink, ipv6 bool) MTUChoice {
	if profileMTU > 0 {
		return MTUChoice{profileMTU, "profile"}
	}
	var low *Uplink
	for i, u := range uplinks {
		if u.MTU > 0 && (low == nil || u.MTU < low.MTU) {
			low = &uplinks[i]
		}
	}
	if low == nil {
		return MTUChoice{DefaultMTU, "default, uplink unknown"}
	}
	mtu := low.MTU - WireGuardOverhead
	why := fmt.Sprintf("uplink %s %d − %d", low.Interface, low.MTU, WireGuardOverhead)
	floor, floorWhy := MinIPv4MTU, "IPv4 minimum"
	if ipv6 {
		floor, floorWhy = MinIPv6MTU, "IPv6 minimum, outer packets fragmented"
	}
	switch {
	case mtu > DefaultMTU:
		mtu, why = DefaultMTU, why+fmt.Sprintf(", capped at %d", DefaultMTU)
	case mtu < floor:
		mtu, why = floor, why+fmt.Sprintf(", raised to %d (%s)", floor, floorWhy)
	case mtu < DefaultMTU && mtu%16 != 0:
		// The server pads each packet to a multiple of 16 up to its own
		// MTU, usually 1420: a 1320 packet leaves it as 1328 + 80 bytes,
		// too big for a 1400 uplink with an IPv6 endpoint.
		mtu -= mtu % 16
		why += fmt.Sprintf(", rounded down to %d (WireGuard pads to 16 bytes)", mtu)
	}
	return MTUChoice{mtu, why}
}

// UplinksOf looks up the uplink of each endpoint with lookup (the OS's
// UplinkTo), skipping those it cannot tell or that report no MTU.
func UplinksOf(endpoints []netip.AddrPort, tunnel string, lookup func(netip.Addr, string) (Uplink, error)) []Uplink {
	var out []Uplink
	for _, e := range endpoints {
		if u, err := lookup(e.Addr(), tunnel); err == nil && u.MTU > 0 {
			out = append(out, u)
		}
	}
	return out
}
