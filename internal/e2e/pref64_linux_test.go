package e2e

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// An IPv6-only LAN whose router announces its NAT64 prefix in router
// advertisements (RFC 8781 PREF64): with no DNS64 anywhere, an IPv4-literal
// profile connects through the NAT64 learned from the advertisement alone;
// with DNS64 as well, the advertisement's prefix is taken and DNS64 is not
// asked. Either way both families work inside the tunnel and nothing leaks.
func TestPREF64ReachesIPv4Server(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testbed.Options
	}{
		{"pref64-only", testbed.Options{NAT64: true, NoDNS64: true, PREF64: true, LANIPv6Only: true, DaemonResolvConf: testbed.PublicResolvConf6}},
		{"pref64-and-dns64", testbed.Options{NAT64: true, PREF64: true, LANIPv6Only: true, DaemonResolvConf: testbed.DNS64ResolvConf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := start(t, tc.opts)
			waitRouterHeard(t, n)
			n.importProfile(t, "v4server", testbed.ProfileOptions{})
			st := n.connect(t, "v4server")
			checkViaNAT64(t, st)
			checkTunnelNoLeak(t, n)
			log := n.daemonLog()
			if !strings.Contains(log, "NAT64 prefix from the router advertisement") {
				t.Errorf("the daemon did not log the prefix as the router's:\n%s", log)
			}
			if strings.Contains(log, "NAT64 prefix discovered (RFC 7050)") {
				t.Errorf("DNS64 discovery was used beside the router's prefix:\n%s", log)
			}
		})
	}
}

// waitRouterHeard waits until the daemon has heard the LAN router's
// PREF64: as on a real network, the router has spoken before the user
// connects (the bed's advertises every second).
func waitRouterHeard(t *testing.T, n *node) {
	t.Helper()
	waitFor(t, 10*time.Second, "the daemon hearing the router advertisement", func() bool {
		return strings.Contains(n.daemonLog(), "NAT64 prefix announced (PREF64)")
	})
}

// daemonLog returns what the daemon logged so far.
func (n *node) daemonLog() string {
	b, _ := os.ReadFile(n.daemon.LogPath())
	return string(b)
}

// The router withdraws its prefix (a zero lifetime) on a network without
// DNS64: the synthesized address is dropped at once, for the server's
// IPv4 address itself (tried anyway, a route may lead there), and the
// kill switch stops permitting the synthesized one; announced again, the
// session comes back through NAT64.
//
// The daemon is built with the race detector: the advertisement watch
// re-plans the session from its own goroutine.
func TestPREF64WithdrawnDropsSynthesized(t *testing.T) {
	bed := testbed.New(t, testbed.Options{NAT64: true, NoDNS64: true, PREF64: true, LANIPv6Only: true, DaemonResolvConf: testbed.PublicResolvConf6})
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir(), bin: raceDaemon(t)}
	n.launch(t)
	waitRouterHeard(t, n)
	n.importProfile(t, "v4server", testbed.ProfileOptions{})
	checkViaNAT64(t, n.connect(t, "v4server"))
	synth := testbed.Synthesized(testbed.ServerIPv4).String()
	if out, err := n.bed.Exec(testbed.RoleClient, "nft", "list", "table", "inet", "palisade"); err != nil || !strings.Contains(string(out), synth) {
		t.Fatalf("the kill switch does not permit %s while connected through it (%v):\n%s", synth, err, out)
	}
	if err := n.bed.AnnouncePREF64(testbed.PREF64Option{Prefix: testbed.NAT64Prefix}); err != nil {
		t.Fatal(err)
	}
	direct := netip.AddrPortFrom(testbed.ServerIPv4, testbed.WireGuardPort).String()
	waitFor(t, 20*time.Second, "the endpoint off the withdrawn prefix", func() bool {
		st, err := n.client.Status(t.Context())
		return err == nil && st.Endpoint == direct && st.EndpointNAT64 == ""
	})
	if out, err := n.bed.Exec(testbed.RoleClient, "nft", "list", "table", "inet", "palisade"); err != nil || strings.Contains(string(out), synth) {
		t.Errorf("the kill switch still permits %s after the prefix was withdrawn (%v):\n%s", synth, err, out)
	}
	if err := n.bed.AnnouncePREF64(testbed.PREF64Option{Prefix: testbed.NAT64Prefix, Lifetime: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	st := n.waitState(t, ipc.Connected, 40*time.Second)
	checkViaNAT64(t, st)
	checkTunnelNoLeak(t, n)
	if err := n.daemon.Stop(); err != nil {
		t.Errorf("race-detector daemon did not exit cleanly: %v", err)
	}
	if races, err := n.daemon.DataRaces(); err != nil || races > 0 {
		t.Errorf("the race detector reported %d data races (%v):\n%s", races, err, n.daemonLog())
	}
}
