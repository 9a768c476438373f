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

// ipv6OnlyLAN is the IPv6-only network with NAT64 and DNS64 on its router,
// the daemon using the router's DNS64 resolver.
var ipv6OnlyLAN = testbed.Options{NAT64: true, LANIPv6Only: true, DaemonResolvConf: testbed.DNS64ResolvConf}

// On an IPv6-only LAN, an IPv4 server is reached through the LAN's NAT64:
// a profile with an IPv4 literal, and one with a host name that has only an
// A record, connect through the address synthesized under the discovered
// network-specific prefix; inside the tunnel both families work and
// nothing leaves outside it.
func TestIPv6OnlyLANReachesIPv4Server(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testbed.ProfileOptions
	}{
		{"ipv4-literal", testbed.ProfileOptions{}},
		{"a-only-name", testbed.ProfileOptions{EndpointHost: strings.TrimSuffix(testbed.Server4Name, ".")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := start(t, ipv6OnlyLAN)
			n.importProfile(t, "v4server", tc.opts)
			st := n.connect(t, "v4server")
			checkViaNAT64(t, st)
			checkTunnelNoLeak(t, n)
		})
	}
}

// checkTunnelNoLeak: both families reach the internet host through the
// tunnel, nothing leaves outside it, and palisade status shows the NAT64.
func checkTunnelNoLeak(t *testing.T, n *node) {
	t.Helper()
	n.bed.ResetLeakCounts()
	for addr, want := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
		if seen, err := n.probeSeen(t, addr); err != nil || seen != want.String() {
			t.Errorf("%s through the tunnel: seen %q, %v; want %s", addr, seen, err, want)
		}
	}
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("packets left outside the tunnel: %v", c)
	}
	out, err := n.cli(t, "status")
	if err != nil || !strings.Contains(out, "via NAT64 "+testbed.NAT64Prefix.String()) {
		t.Errorf("palisade status does not show the NAT64 (%v):\n%s", err, out)
	}
}

// checkViaNAT64: the status shows the server's IPv4 address synthesized
// under the LAN's prefix.
func checkViaNAT64(t *testing.T, st ipc.Status) {
	t.Helper()
	want := netip.AddrPortFrom(testbed.Synthesized(testbed.ServerIPv4), testbed.WireGuardPort).String()
	if st.Endpoint != want || st.EndpointFamily != "IPv6" || st.EndpointNAT64 != testbed.NAT64Prefix.String() {
		t.Errorf("endpoint %q (%s, NAT64 %q), want %s via NAT64 %s", st.Endpoint, st.EndpointFamily, st.EndpointNAT64, want, testbed.NAT64Prefix)
	}
}

// Connected on the dual-stack LAN over IPv4, the client's link loses IPv4
// (it moved to an IPv6-only network with NAT64): the service reconnects on
// its own, through NAT64, and the tunnel carries both families again.
func TestMoveToIPv6OnlyLANReconnects(t *testing.T) {
	n := start(t, testbed.Options{NAT64: true, DaemonResolvConf: testbed.DNS64ResolvConf})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	st := n.connect(t, "bed")
	if want := netip.AddrPortFrom(testbed.ServerIPv4, testbed.WireGuardPort).String(); st.Endpoint != want || st.EndpointNAT64 != "" {
		t.Fatalf("on the dual-stack LAN: endpoint %q (NAT64 %q), want %s directly", st.Endpoint, st.EndpointNAT64, want)
	}
	if err := n.bed.DropLANIPv4(); err != nil {
		t.Fatal(err)
	}
	want := netip.AddrPortFrom(testbed.Synthesized(testbed.ServerIPv4), testbed.WireGuardPort).String()
	waitFor(t, 40*time.Second, "a reconnect through NAT64", func() bool {
		st, err := n.client.Status(t.Context())
		return err == nil && st.State == ipc.Connected && st.Endpoint == want
	})
	for addr, want := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
		if seen, err := n.probeSeen(t, addr); err != nil || seen != want.String() {
			t.Errorf("after the move, %s through the tunnel: seen %q, %v", addr, seen, err)
		}
	}
}

// An IPv6-only tunnel whose DNS is a DNS64 resolver (seed 003): IPv4
// stays blocked and A answers empty, names of IPv4-only hosts resolve to
// synthesized addresses, and the status says so.
func TestIPv6OnlyTunnelWithDNS64(t *testing.T) {
	n := start(t, testbed.Options{TunnelDNS64: true})
	st := n.connectKillSwitchOff(t, testbed.ProfileOptions{IPv6Only: true})
	waitFor(t, 10*time.Second, "the tunnel's NAT64 in the status", func() bool {
		var err error
		st, err = n.client.Status(t.Context())
		return err == nil && st.TunnelNAT64 != ""
	})
	if st.TunnelNAT64 != testbed.NAT64Prefix.String() || !st.IPv4Blocked || !strings.Contains(st.Routing, "NAT64 "+testbed.NAT64Prefix.String()) {
		t.Errorf("status: nat64 %q, ipv4 blocked %v, routing %q", st.TunnelNAT64, st.IPv4Blocked, st.Routing)
	}
	if got := n.dig(t, "@127.80.73.65", testbed.Server4Name, "AAAA"); got != testbed.Synthesized(testbed.ServerIPv4).String() {
		t.Errorf("AAAA of an A-only name through the tunnel's DNS64: %q", got)
	}
	out, _ := n.daemon.Exec("dig", "+time=2", "+tries=1", "@127.80.73.65", testbed.Server4Name, "A")
	if s := string(out); !strings.Contains(s, "status: NOERROR") || !strings.Contains(s, "ANSWER: 0,") {
		t.Errorf("A beside the v6-only tunnel: want an empty NOERROR, got\n%s", s)
	}
	if out, err := n.cli(t, "status"); err != nil || !strings.Contains(out, "IPv4 addresses have nowhere to go") {
		t.Errorf("palisade status (%v):\n%s", err, out)
	}
}

// A name with A and AAAA records on a dual-stack LAN: the family whose
// handshake completes wins. With the server's WireGuard port answering
// only over IPv4, IPv6 is tried first and within a few seconds without a
// handshake the service falls back to IPv4; with it answering only over
// IPv6, IPv6 wins (the old code always took IPv4 and never connected).
func TestDualStackNameFamilyThatAnswersWins(t *testing.T) {
	for _, tc := range []struct {
		name     string
		drop     string // the family whose WireGuard packets the server drops
		want     netip.Addr
		fallback bool
	}{
		{"ipv6-dropped", "ipv6", testbed.ServerIPv4, true},
		{"ipv4-dropped", "ipv4", testbed.ServerIPv6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := start(t, testbed.Options{DaemonResolvConf: testbed.LANResolvConf4})
			rule := "add table inet palwgdrop; add chain inet palwgdrop in { type filter hook input priority filter; policy accept; }; " +
				"add rule inet palwgdrop in meta nfproto " + tc.drop + " udp dport 51820 drop"
			if out, err := n.bed.Exec(testbed.RoleServer, "nft", rule); err != nil {
				t.Fatalf("nft: %v\n%s", err, out)
			}
			n.bed.SetHomeAddrs(testbed.ServerIPv6, testbed.ServerIPv4)
			n.importProfile(t, "home", testbed.ProfileOptions{EndpointHost: strings.TrimSuffix(testbed.HomeName, ".")})
			st := n.connect(t, "home")
			if want := netip.AddrPortFrom(tc.want, testbed.WireGuardPort).String(); st.Endpoint != want {
				t.Errorf("endpoint %q (%s), want %s", st.Endpoint, st.EndpointFamily, want)
			}
			out, err := os.ReadFile(n.daemon.LogPath())
			if err != nil || strings.Contains(string(out), "endpoint family fallback") != tc.fallback {
				t.Errorf("fallback in the daemon log = %v, want %v (%v)", !tc.fallback, tc.fallback, err)
			}
		})
	}
}
