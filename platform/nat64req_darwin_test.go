package platform

import (
	"net/netip"
	"os"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On a real Mac (the macOS workflow's runner) the kernel takes the request:
// lo0, which has IPv6 and no NAT64 prefix, answers with none and no error,
// as does the IPv6 default route's interface if there is one. A wrong
// command word or size would fail with ENOTTY or EINVAL.
func TestThisHostNAT64Prefixes(t *testing.T) {
	got, err := NAT64Prefixes("lo0")
	if err != nil {
		t.Fatalf("lo0: %v", err)
	}
	t.Logf("lo0: %v", got)
	routes, err := readRoutes()
	if err != nil {
		t.Fatal(err)
	}
	if gw := DefaultGateway(routes, true, ""); gw != nil && gw.Interface != "" {
		got, err := NAT64Prefixes(gw.Interface)
		if err != nil {
			t.Errorf("%s: %v", gw.Interface, err)
		}
		t.Logf("%s: %v", gw.Interface, got)
	}
}

// As root: prefixes set on lo0 with SIOCSIFNAT64PREFIX (as configd and
// IPConfiguration set them) read back decoded, in their order and lengths;
// the list is cleared afterwards.
func TestNAT64PrefixesOnLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting a NAT64 prefix needs root")
	}
	want := []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("2001:db8:122::/48")}
	set := func(ps []netip.Prefix) {
		t.Helper()
		req, err := nat64Request("lo0")
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			slot(req, i, p.Addr().String(), uint32(p.Bits()/8))
		}
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		siocsifnat64prefix := iowr('i', nat64GetPrefixCmd+1, nat64ReqSize)
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(siocsifnat64prefix), uintptr(unsafe.Pointer(&req[0]))); errno != 0 {
			t.Fatalf("SIOCSIFNAT64PREFIX %v: %v", ps, errno)
		}
	}
	set(want)
	t.Cleanup(func() { set(nil) })
	got, err := NAT64Prefixes("lo0")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("read back %v, %v; want %v", got, err, want)
	}
}
