package sysdns

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// Current returns the DNS servers of the tunnel adapter, where the
// winipcfg manager puts the local resolver; Windows prefers them because
// the tunnel has the best route metric. The adapter's settings are a
// local call that does not wait on another process, so ctx is not needed.
func Current(_ context.Context, tunnel string) (servers []netip.Addr, viaResolved bool, err error) {
	ifc, err := net.InterfaceByName(tunnel)
	if err != nil {
		return nil, false, fmt.Errorf("sysdns: %w", err)
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
	if err != nil {
		return nil, false, fmt.Errorf("sysdns: LUID of %s: %w", tunnel, err)
	}
	servers, err = luid.DNS()
	return servers, false, err
}
