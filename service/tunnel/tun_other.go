//go:build !windows

package tunnel

import "golang.zx2c4.com/wireguard/tun"

// createTUN makes the TUN interface; only Windows needs more than the name.
func createTUN(name string, mtu int) (tun.Device, error) {
	return tun.CreateTUN(name, mtu)
}

// forceMTU has nothing to do here: wireguard-go reads a TUN's new MTU from
// the OS's link event (netlink, the routing socket) itself.
func forceMTU(t tun.Device, mtu int) {}
