package sysdns

import (
	"net/netip"
	"os"
)

// Current returns the name servers the system uses now, read from
// /etc/resolv.conf; viaResolved tells that they are only
// systemd-resolved's stub, which forwards per link. tunnel is unused on
// Linux: resolv.conf is global.
func Current(tunnel string) (servers []netip.Addr, viaResolved bool, err error) {
	data, err := os.ReadFile(ResolvConf)
	if err != nil {
		return nil, false, err
	}
	servers = parseResolvConf(data)
	return servers, onlyStub(servers), nil
}
