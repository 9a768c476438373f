package platform

// TunnelName is the interface name the service asks wireguard-go for on
// goos. wireguard-go on macOS accepts only "utun" (the kernel picks the
// number) or "utunN", so there the real name is read back from the device
// and used for routes, pf rules, DNS and status; elsewhere the name asked
// for is the name given.
func TunnelName(goos string) string {
	if goos == "darwin" {
		return "utun"
	}
	return "palisade0"
}
