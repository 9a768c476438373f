//go:build !windows

package platform

// SendsDNSToEveryAdapter is false where the system resolver asks only the
// servers Palisade configured (resolv.conf, systemd-resolved's default
// route, scutil's primary service).
const SendsDNSToEveryAdapter = false

// TunnelIPv6 reports whether the tunnel interface runs IPv6: wherever the
// host has IPv6, so does a TUN interface here.
func TunnelIPv6(string) bool { return true }
