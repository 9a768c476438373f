package sysdns

import (
	"net/netip"
	"strconv"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// SystemServers returns the DNS servers of the adapters that are up.
// Palisade sets DNS on its tunnel adapter only, whose servers are its own
// resolver and are left out, so this is what the system had before.
func SystemServers(stateDir string) ([]netip.Addr, error) {
	adapters, err := winipcfg.GetAdaptersAddresses(windows.AF_UNSPEC, winipcfg.GAAFlagDefault)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	for _, a := range adapters {
		if a.OperStatus != winipcfg.IfOperStatusUp || a.IfType == winipcfg.IfTypeSoftwareLoopback {
			continue
		}
		for dns := a.FirstDNSServerAddress; dns != nil; dns = dns.Next {
			ip, ok := netip.AddrFromSlice(dns.Address.IP())
			if !ok {
				continue
			}
			if ip = ip.Unmap(); ip.IsLinkLocalUnicast() {
				// Only the adapter it was learnt on reaches it.
				ip = ip.WithZone(strconv.Itoa(int(a.IfIndex)))
			}
			addrs = append(addrs, ip)
		}
	}
	return foreign(addrs), nil
}
