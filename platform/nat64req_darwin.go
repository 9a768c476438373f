package platform

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NAT64Prefixes reads the NAT64 prefixes the kernel holds for iface
// (SIOCGIFNAT64PREFIX; nat64req.go says who sets them). None is no error:
// the kernel answers ENOENT for an interface without any.
func NAT64Prefixes(iface string) ([]netip.Prefix, error) {
	req, err := nat64Request(iface)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
	if err != nil {
		return nil, fmt.Errorf("NAT64 prefixes: %w", err)
	}
	defer unix.Close(fd)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(siocgifnat64prefix), uintptr(unsafe.Pointer(&req[0])))
	if errno == unix.ENOENT {
		return nil, nil
	}
	if errno != 0 {
		return nil, fmt.Errorf("NAT64 prefixes of %s: SIOCGIFNAT64PREFIX: %w", iface, errno)
	}
	return decodeNAT64Req(req)
}
