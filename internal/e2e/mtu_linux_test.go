package e2e

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// The tunnel MTU follows the LAN link's: a 1400-byte uplink that drops
// its "too big" errors (a path MTU black hole) gives a 1312 tunnel (1400 − 80 rounded down to 16), through
// which a few MB download and 1300-byte DF pings pass for both families.
// First, the control: with the LAN router's side of the link narrowed to
// 1400 (the client's side still 1500) and neither errors nor fragments
// getting through, and the tunnel at 1420 (the fixed MTU of old), the
// same download stalls for both families every time: the server's
// full-size datagrams (1480 bytes over IPv4, 1500 over IPv6) never arrive. Lowering the LAN MTU while connected
// moves the tunnel to 1280 without a reconnect. The endpoint is reached
// over IPv4 and, in a second run, over IPv6.
func TestTunnelMTUFollowsUplink(t *testing.T) {
	for name, opts := range map[string]testbed.ProfileOptions{"ipv4-endpoint": {}, "ipv6-endpoint": {EndpointIPv6: true}} {
		t.Run(name, func(t *testing.T) { mtuFollowsUplink(t, opts) })
	}
}

func mtuFollowsUplink(t *testing.T, opts testbed.ProfileOptions) {
	n := start(t, testbed.Options{})
	if err := n.bed.BlackholePMTU(); err != nil {
		t.Fatal(err)
	}
	n.importProfile(t, "bed", opts)
	st := n.connect(t, "bed")
	if st.MTU != 1420 {
		t.Fatalf("on a 1500 LAN the tunnel MTU is %d (%s), want 1420", st.MTU, st.MTUWhy)
	}
	const size = 4 << 20
	if err := n.bed.NarrowLANRouter(1400); err != nil {
		t.Fatal(err)
	}
	for i, server := range []netip.Addr{testbed.TunnelServerIPv4, testbed.TunnelServerIPv6} {
		// Not one full-size segment crosses, so a bound of seconds tells a
		// stall from a slow transfer.
		if got, err := n.bed.Download(server, 9110+i, size, 6*time.Second); err == nil || got >= size/2 {
			t.Errorf("control: download from %s through a 1420 tunnel over a 1400 hop: %d of %d bytes, %v; want a stall", server, got, size, err)
		}
	}
	if err := n.bed.SetLANMTU(1400); err != nil {
		t.Fatal(err)
	}
	n.waitMTU(t, st.Interface, 1312)
	out, err := n.cli(t, "status")
	if err != nil || !strings.Contains(out, "mtu:         1312 (uplink eth0 1400 − 80, rounded down to 1312") {
		t.Errorf("status does not show the MTU and why: %v\n%s", err, out)
	}
	for i, server := range []netip.Addr{testbed.TunnelServerIPv4, testbed.TunnelServerIPv6} {
		if got, err := n.bed.Download(server, 9100+i, size, 20*time.Second); err != nil || got != size {
			t.Errorf("download from %s through a 1312 tunnel: %d of %d bytes, %v", server, got, size, err)
		}
	}
	pings := [][]string{
		{"ping", "-n", "-c1", "-W2", "-M", "do", "-s", "1272", testbed.TunnelServerIPv4.String()},
		{"ping", "-6", "-n", "-c1", "-W2", "-M", "do", "-s", "1252", testbed.TunnelServerIPv6.String()},
	}
	for _, p := range pings {
		if out, err := n.bed.Exec(testbed.RoleClient, p...); err != nil {
			t.Errorf("1300-byte DF ping through the tunnel: %v\n%s", err, out)
		}
	}

	// Below 1360 the tunnel, which carries IPv6, stays at IPv6's 1280.
	if err := n.bed.SetLANMTU(1340); err != nil {
		t.Fatal(err)
	}
	n.waitMTU(t, st.Interface, 1280)
	after, err := n.client.Status(context.Background())
	if err != nil || after.MTU != 1280 || !strings.Contains(after.MTUWhy, "raised to 1280") {
		t.Errorf("status after the LAN went to 1340: %d %q, %v", after.MTU, after.MTUWhy, err)
	}
	if after.Since != st.Since || after.State != st.State {
		t.Errorf("the MTU change reconnected: state %s since %v, was %s since %v", after.State, after.Since, st.State, st.Since)
	}
}

// waitMTU waits, bounded, until the tunnel interface has mtu.
func (n *node) waitMTU(t *testing.T, iface string, mtu int) {
	t.Helper()
	want := " mtu " + strconv.Itoa(mtu) + " "
	waitFor(t, 15*time.Second, "tunnel MTU "+strconv.Itoa(mtu), func() bool {
		out, err := n.bed.Exec(testbed.RoleClient, "ip", "link", "show", iface)
		return err == nil && strings.Contains(string(out), want)
	})
}
