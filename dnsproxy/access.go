package dnsproxy

import (
	"net"
	"net/netip"
	"strconv"
)

// loopbackZones returns the names and indexes of the host's loopback
// interfaces, the zones a link-local client on loopback arrives with.
func loopbackZones() map[string]bool {
	zones := map[string]bool{}
	ifs, err := net.Interfaces()
	if err != nil {
		return zones
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			zones[ifc.Name] = true
			zones[strconv.Itoa(ifc.Index)] = true
		}
	}
	return zones
}

// localClient reports whether a query from src may be answered. Only this host
// may use the resolver: 127/8, ::1, and link-local sources on a loopback
// interface. The last case is how a client reaches [fe80::80:73:65%lo]: the
// kernel picks the link-local address of lo as the source. A link-local source
// on any other interface is a LAN neighbour and is refused, even if it claims
// our own address.
func localClient(src netip.Addr, loZones map[string]bool) bool {
	src = src.Unmap()
	if src.IsLoopback() {
		return true
	}
	return src.Is6() && src.IsLinkLocalUnicast() && src.Zone() != "" && loZones[src.Zone()]
}
