package platform

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/palisadevpn/palisade/internal/netnstest"
)

// RouteTo asks as the given user: a uidrange rule sending user 4242 to an
// unreachable table turns that user's route of each family into a reject,
// while the service's own (uid -1) still leaves by eth0.
func TestRouteToUserLinux(t *testing.T) {
	netnstest.Rerun(t, "TestRouteToUserLinuxChild",
		[]string{"link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"}, []string{"link", "set", "eth0p", "up"}, []string{"link", "set", "eth0", "up"},
		[]string{"addr", "add", "192.0.2.2/24", "dev", "eth0"},
		[]string{"addr", "add", "2001:db8:50::2/64", "dev", "eth0", "nodad"},
		[]string{"route", "add", "default", "via", "192.0.2.1", "dev", "eth0"},
		[]string{"-6", "route", "add", "default", "via", "2001:db8:50::1", "dev", "eth0"},
		[]string{"route", "add", "unreachable", "default", "table", "4242"},
		[]string{"-6", "route", "add", "unreachable", "default", "table", "4242"},
		[]string{"rule", "add", "uidrange", "4242-4242", "lookup", "4242", "priority", "100"},
		[]string{"-6", "rule", "add", "uidrange", "4242-4242", "lookup", "4242", "priority", "100"})
}

func TestRouteToUserLinuxChild(t *testing.T) {
	netnstest.Child(t)
	for _, dst := range []string{"1.1.1.1", "2606:4700:4700::1111"} {
		a := netip.MustParseAddr(dst)
		own, err := RouteTo(t.Context(), a, 0, -1)
		if err != nil || own.Reject || own.Interface != "eth0" {
			t.Errorf("RouteTo(%s) as the service = %+v, %v; want eth0", dst, own, err)
		}
		user, err := RouteTo(t.Context(), a, 0, 4242)
		if err != nil || !user.Reject {
			t.Errorf("RouteTo(%s) as uid 4242 = %+v, %v; want the uidrange rule's reject", dst, user, err)
		}
	}
}

// TestRouteToEndsWithContext: a lookup whose context has ended asks the
// kernel nothing and says why.
func TestRouteToEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := RouteTo(ctx, netip.MustParseAddr("192.0.2.1"), 0, -1); !errors.Is(err, context.Canceled) {
		t.Errorf("RouteTo with an ended context: %v, want context.Canceled", err)
	}
}
