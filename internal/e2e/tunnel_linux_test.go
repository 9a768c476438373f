// Package e2e runs the real palisaded and palisade binaries in the network
// namespace test bed and checks what really crosses the network.
package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// Both families reach internet through the tunnel: the far side sees the
// server's address, never the client's.
func TestDualStackThroughTunnel(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts testbed.ProfileOptions
	}{{"ipv4-endpoint", testbed.ProfileOptions{}}, {"ipv6-endpoint", testbed.ProfileOptions{EndpointIPv6: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			n := start(t, testbed.Options{})
			n.importProfile(t, "bed", tc.opts)
			st := n.connect(t, "bed")
			if !st.TunnelIPv6 || len(st.Addresses) != 2 {
				t.Errorf("status does not show a dual-stack tunnel: %+v", st)
			}
			wantEP := netip.AddrPortFrom(testbed.ServerIPv4, testbed.WireGuardPort).String()
			if tc.opts.EndpointIPv6 {
				wantEP = netip.AddrPortFrom(testbed.ServerIPv6, testbed.WireGuardPort).String()
			}
			if st.Endpoint != wantEP {
				t.Errorf("endpoint %q, want %q", st.Endpoint, wantEP)
			}
			n.bed.ResetLeakCounts()
			for addr, want := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
				seen, err := n.probeSeen(t, addr)
				if err != nil {
					t.Fatalf("probe %s through the tunnel: %v", addr, err)
				}
				if seen != want.String() {
					t.Errorf("internet saw %s from %s, want the server's %s", addr, seen, want)
				}
			}
			if c := n.leaks(t); total(c, "") != 0 {
				t.Errorf("packets left outside the tunnel: %v", c)
			}
			out, err := n.cli(t, "status", "--json")
			if err != nil || !strings.Contains(out, `"state": "connected"`) {
				t.Errorf("status --json: %v\n%s", err, out)
			}
		})
	}
}

// A v4-only profile on a dual-stack host: IPv6 to internet must fail fast
// and nothing may leave the physical interface, even with the kill switch off.
func TestIPv4OnlyProfileBlocksIPv6(t *testing.T) {
	n := start(t, testbed.Options{ServerNoIPv6Tunnel: true})
	st := n.connectKillSwitchOff(t, testbed.ProfileOptions{IPv4Only: true})
	if st.TunnelIPv6 || !st.IPv6Blocked || st.Routing != "full IPv4 tunnel, IPv6 blocked" {
		t.Errorf("status of a v4-only tunnel: ipv6 %v, ipv6 blocked %v, routing %q", st.TunnelIPv6, st.IPv6Blocked, st.Routing)
	}
	n.checkFamilyBlocked(t, blockedFamily{
		tunnelled: testbed.InternetIPv4, tunnelledAs: testbed.ServerIPv4, tunnelledType: "A", tunnelledAnswer: testbed.TunnelNameIPv4,
		blocked: testbed.InternetIPv6, blockedType: "AAAA", lan: testbed.LANIPv6,
	})
}

// The mirror: a v6-only profile (AllowedIPs = ::/0) on a dual-stack host.
func TestIPv6OnlyProfileBlocksIPv4(t *testing.T) {
	n := start(t, testbed.Options{})
	st := n.connectKillSwitchOff(t, testbed.ProfileOptions{IPv6Only: true})
	if !st.TunnelIPv6 || st.TunnelIPv4 || !st.IPv4Blocked || st.Routing != "full IPv6 tunnel, IPv4 blocked" {
		t.Errorf("status of a v6-only tunnel: ipv4 %v, ipv6 %v, ipv4 blocked %v, routing %q", st.TunnelIPv4, st.TunnelIPv6, st.IPv4Blocked, st.Routing)
	}
	n.checkFamilyBlocked(t, blockedFamily{
		tunnelled: testbed.InternetIPv6, tunnelledAs: testbed.ServerIPv6, tunnelledType: "AAAA", tunnelledAnswer: testbed.TunnelNameIPv6,
		blocked: testbed.InternetIPv4, blockedType: "A", lan: testbed.LANIPv4,
	})
}

func (n *node) connectKillSwitchOff(t *testing.T, p testbed.ProfileOptions) ipc.Status {
	t.Helper()
	if out, err := n.cli(t, "set", "killswitch", "off"); err != nil {
		t.Fatalf("set killswitch off: %v\n%s", err, out)
	}
	n.importProfile(t, "single", p)
	return n.connect(t, "single")
}

// blockedFamily describes a single-family full tunnel for checkFamilyBlocked.
type blockedFamily struct {
	tunnelled, tunnelledAs, tunnelledAnswer netip.Addr
	tunnelledType                           string
	blocked, lan                            netip.Addr
	blockedType                             string
}

// checkFamilyBlocked: the tunnelled family reaches internet through the
// tunnel; the other fails fast with nothing leaving outside the tunnel,
// its LAN neighbour stays reachable, and the resolver answers its
// questions with an empty NOERROR so programs go straight to the other.
func (n *node) checkFamilyBlocked(t *testing.T, f blockedFamily) {
	t.Helper()
	if seen, err := n.probeSeen(t, f.tunnelled); err != nil || seen != f.tunnelledAs.String() {
		t.Fatalf("%s through the tunnel: seen %q, %v", f.tunnelled, seen, err)
	}
	n.bed.ResetLeakCounts()
	begin := time.Now()
	if seen, err := n.probeSeen(t, f.blocked); err == nil {
		t.Fatalf("%s reached beside the tunnel (seen as %s)", f.blocked, seen)
	}
	// Unreachable routes answer at once; a black hole would take the whole
	// probe timeout.
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("the failure to reach %s took %s: it should fail fast", f.blocked, d)
	}
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("packets left outside the tunnel: %v", c)
	}
	if err := n.bed.ProbePing(context.Background(), f.lan); err != nil {
		t.Errorf("LAN neighbour %s unreachable: %v", f.lan, err)
	}
	if got := n.dig(t, "@127.80.73.65", testbed.TunnelName, f.tunnelledType); got != f.tunnelledAnswer.String() {
		t.Errorf("%s through the tunnel: %q", f.tunnelledType, got)
	}
	out, _ := n.daemon.Exec("dig", "+time=2", "+tries=1", "@127.80.73.65", testbed.TunnelName, f.blockedType)
	if s := string(out); !strings.Contains(s, "status: NOERROR") || !strings.Contains(s, "ANSWER: 0,") {
		t.Errorf("%s beside the tunnel: want an empty NOERROR, got\n%s", f.blockedType, s)
	}
}

// A host with IPv6 disabled runs single-stack without errors.
func TestIPv6DisabledHost(t *testing.T) {
	n := start(t, testbed.Options{ClientNoIPv6: true})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	st := n.connect(t, "bed")
	if len(st.Addresses) != 1 || st.LastError != "" {
		t.Errorf("expected one IPv4 address and no error: %+v", st)
	}
	if seen, err := n.probeSeen(t, testbed.InternetIPv4); err != nil || seen != testbed.ServerIPv4.String() {
		t.Fatalf("IPv4 through the tunnel: seen %q, %v", seen, err)
	}
}

// The server goes away: Connected → Reconnecting; it comes back: Connected.
func TestServerRestartReconnects(t *testing.T) {
	n := start(t, testbed.Options{}, "--stale-after", "6s", "--handshake-timeout", "5s")
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	n.bed.StopServer()
	n.waitState(t, ipc.Reconnecting, 30*time.Second)
	n.bed.StartServer()
	n.waitState(t, ipc.Connected, 45*time.Second)
	if seen, err := n.probeSeen(t, testbed.InternetIPv6); err != nil || seen != testbed.ServerIPv6.String() {
		t.Fatalf("IPv6 after reconnect: seen %q, %v", seen, err)
	}
}

// An unreachable server ends in Error with a retry, not a hang.
func TestUnreachableServerErrors(t *testing.T) {
	n := start(t, testbed.Options{}, "--handshake-timeout", "3s")
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.bed.StopServer()
	if out, err := n.cli(t, "connect", "bed", "--wait", "--timeout", "30s"); err == nil {
		t.Fatalf("connect --wait succeeded against a dead server:\n%s", out)
	} else if !strings.Contains(out, "no handshake") {
		t.Errorf("error does not explain the failure:\n%s", out)
	}
	st := n.waitState(t, ipc.Error, 10*time.Second)
	if st.Retry == nil || st.LastError == "" {
		t.Errorf("error state without retry or reason: %+v", st)
	}
}

// Disconnect and daemon exit leave the client namespace as they found it.
func TestTeardownRestoresNetwork(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	before, err := bed.Snapshot(testbed.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	if out, err := n.cli(t, "disconnect"); err != nil {
		t.Fatalf("disconnect: %v\n%s", err, out)
	}
	compareSnapshot(t, bed, before, "after disconnect")
	n.connect(t, "bed")
	if err := n.daemon.Stop(); err != nil {
		t.Fatalf("daemon stop: %v", err)
	}
	compareSnapshot(t, bed, before, "after the daemon exited while connected")
}

func compareSnapshot(t *testing.T, bed *testbed.Bed, before, when string) {
	t.Helper()
	after, err := bed.Snapshot(testbed.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("network %s differs from before start:\n--- before\n%s\n--- after\n%s", when, before, after)
	}
}

// Each connection allocates a wireguard-go device with about 26 MB of
// packet buffers. Reconnecting again and again (sleep and wake, network
// changes) must not ratchet the daemon's resident size up; before the
// service released the buffers on teardown it went from 18 to 143 MB in 12
// cycles.
func TestReconnectsKeepMemoryFlat(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	cycle := func() {
		n.connect(t, "bed")
		if _, err := n.probeSeen(t, testbed.InternetIPv6); err != nil {
			t.Fatalf("probe through the tunnel: %v", err)
		}
		if out, err := n.cli(t, "disconnect"); err != nil {
			t.Fatalf("disconnect: %v\n%s", err, out)
		}
	}
	cycle()
	time.Sleep(time.Second)
	base := residentKB(t, n.daemon.Pid())
	for range 8 {
		cycle()
	}
	const slackKB = 40 << 10
	waitFor(t, 10*time.Second, "resident size back near its level after the first cycle", func() bool {
		return residentKB(t, n.daemon.Pid()) < base+slackKB
	})
	t.Logf("resident size after the first cycle %d kB, after 8 more %d kB", base, residentKB(t, n.daemon.Pid()))
}

// residentKB is the VmRSS of process pid.
func residentKB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
