//go:build !windows

package tunnel

import "golang.zx2c4.com/wireguard/tun"

// createTUN makes the TUN interface; only Windows needs more than the name.
func createTUN(name string, mtu int) (tun.Device, error) {
	return tun.CreateTUN(name, mtu)
}
