package service

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/palisadevpn/palisade/platform/sysdns"
)

// TestResolverListenDegradesToIPv4 covers the resolver's addresses: both
// when the IPv6 loopback address could be added; 127.80.73.65 alone, with a
// reason to log, when the host has no IPv6 or the OS cannot use the IPv6
// address (Windows), so the connect never fails over it; any other failure
// is reported.
func TestResolverListenDegradesToIPv4(t *testing.T) {
	all := []netip.AddrPort{netip.MustParseAddrPort("127.80.73.65:53"), netip.MustParseAddrPort("[fe80::80:73:65%lo]:53")}
	got, why, err := resolverListen(all, nil)
	if err != nil || why != "" || !slices.Equal(got, all) {
		t.Fatalf("IPv6 added: %v %q %v", got, why, err)
	}
	for _, e := range []error{sysdns.ErrNoIPv6, fmt.Errorf("wrapped: %w", sysdns.ErrLoopbackIPv6Unusable)} {
		got, why, err := resolverListen(all, e)
		if err != nil || why == "" || len(got) != 1 || got[0] != all[0] {
			t.Errorf("%v: got %v %q %v, want 127.80.73.65:53 alone with a reason", e, got, why, err)
		}
	}
	boom := errors.New("netlink: permission denied")
	if _, _, err := resolverListen(all, boom); !errors.Is(err, boom) {
		t.Errorf("unexpected failure not reported: %v", err)
	}
}
