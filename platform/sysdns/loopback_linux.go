package sysdns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// loopbackV6 is the resolver's IPv6 address as a host prefix, so it adds no
// on-link route for the rest of fe80::/64 on lo.
func loopbackV6() *netlink.Addr {
	// NODAD: a tentative address cannot be bound, and the resolver binds
	// right after adding it.
	return &netlink.Addr{IPNet: &net.IPNet{IP: LoopbackIPv6.AsSlice(), Mask: net.CIDRMask(128, 128)}, Flags: unix.IFA_F_NODAD}
}

// AddLoopbackAddrs puts fe80::80:73:65/128 on lo. 127.80.73.65 needs nothing:
// Linux routes all of 127/8 to lo.
func AddLoopbackAddrs() error {
	if ipv6Disabled() {
		return ErrNoIPv6
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("sysdns: %w", err)
	}
	if err := netlink.AddrReplace(lo, loopbackV6()); err != nil {
		return fmt.Errorf("sysdns: add %v to lo: %w", LoopbackIPv6, err)
	}
	return waitLocalRoute(lo)
}

// waitLocalRoute waits until the kernel has installed the address's local
// route, which it does from a work queue after the add has returned. Until
// then packets to the address are lost, so a client's first query would
// wait out its whole timeout (5 s for glibc).
func waitLocalRoute(lo netlink.Link) error {
	filter := &netlink.Route{Table: unix.RT_TABLE_LOCAL, Dst: loopbackV6().IPNet}
	for range 200 {
		rs, err := netlink.RouteListFiltered(netlink.FAMILY_V6, filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_DST)
		if err != nil {
			return fmt.Errorf("sysdns: local route of %v: %w", LoopbackIPv6, err)
		}
		for _, r := range rs {
			if r.LinkIndex == lo.Attrs().Index && r.Type == unix.RTN_LOCAL {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("sysdns: %v on lo has no local route after 2 s", LoopbackIPv6)
}

// RemoveLoopbackAddrs removes what AddLoopbackAddrs added; an address that is
// already gone is not an error.
func RemoveLoopbackAddrs() error {
	if ipv6Disabled() {
		return nil
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("sysdns: %w", err)
	}
	err = netlink.AddrDel(lo, loopbackV6())
	if err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("sysdns: remove %v from lo: %w", LoopbackIPv6, err)
	}
	return nil
}

func ipv6Disabled() bool {
	b, err := os.ReadFile("/proc/sys/net/ipv6/conf/lo/disable_ipv6")
	return err != nil || (len(b) > 0 && b[0] == '1')
}
