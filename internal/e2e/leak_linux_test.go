package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// probeKinds are the leak probes: each returns whether the probe got an
// answer (which, outside the tunnel, is itself a leak).
var probeKinds = []string{"tcp", "udp", "icmp", "dns"}

// leakProbe sends one probe of a kind and family to internet, bounded.
func leakProbe(b *testbed.Bed, kind string, family int) {
	leakProbeVia(b, kind, family, false)
}

// leakProbeVia is leakProbe; on an IPv6-only network (nat64) the IPv4
// probes go to internet's IPv4 address synthesized under the LAN's NAT64
// prefix, as programs there reach IPv4.
func leakProbeVia(b *testbed.Bed, kind string, family int, nat64 bool) {
	addr := testbed.InternetIPv4
	if family == 6 {
		addr = testbed.InternetIPv6
	} else if nat64 {
		addr = testbed.Synthesized(addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	switch kind {
	case "tcp":
		b.ProbeTCP(ctx, netip.AddrPortFrom(addr, testbed.HTTPPort))
	case "udp":
		b.ProbeUDP(ctx, netip.AddrPortFrom(addr, testbed.EchoPort))
	case "icmp":
		b.ProbePing(ctx, addr)
	case "dns":
		b.ProbeDNS(ctx, netip.AddrPortFrom(addr, testbed.DNSPort), testbed.ExampleName, dns.TypeA)
	}
}

// matrix collects leak counts per state × family × probe kind.
type matrix struct {
	mu   sync.Mutex
	rows map[string]map[string]uint64
}

func (m *matrix) record(state, col string, n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = map[string]map[string]uint64{}
	}
	if m.rows[state] == nil {
		m.rows[state] = map[string]uint64{}
	}
	m.rows[state][col] = n
}

func (m *matrix) String() string {
	var b strings.Builder
	var cols []string
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, k := range probeKinds {
			cols = append(cols, fam+"/"+k)
		}
	}
	fmt.Fprintf(&b, "%-34s", "state")
	for _, c := range cols {
		fmt.Fprintf(&b, " %9s", c)
	}
	b.WriteString("\n")
	var states []string
	for s := range m.rows {
		states = append(states, s)
	}
	sort.Strings(states)
	for _, s := range states {
		fmt.Fprintf(&b, "%-34s", s)
		for _, c := range cols {
			fmt.Fprintf(&b, " %9d", m.rows[s][c])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// measure runs every probe of both families and records what reached
// internet outside the tunnel. Families the client has no address of are
// still probed: they must not leak either.
func measure(t *testing.T, b *testbed.Bed, mx *matrix, state string) uint64 {
	t.Helper()
	return measureVia(t, b, mx, state, false)
}

// measureVia is measure, with the IPv4 probes through NAT64 when nat64
// (leakProbeVia).
func measureVia(t *testing.T, b *testbed.Bed, mx *matrix, state string, nat64 bool) uint64 {
	t.Helper()
	var sum uint64
	for _, fam := range []int{4, 6} {
		for _, kind := range probeKinds {
			if err := b.ResetLeakCounts(); err != nil {
				t.Fatal(err)
			}
			leakProbeVia(b, kind, fam, nat64)
			c, err := b.LeakCounts()
			if err != nil {
				t.Fatal(err)
			}
			n := total(c, fmt.Sprintf("ipv%d", fam))
			mx.record(state, fmt.Sprintf("ipv%d/%s", fam, kind), n)
			sum += n
		}
	}
	return sum
}

// TestLeakMatrix checks that nothing reaches internet outside the tunnel in
// any state where the kill switch is engaged, and that the probes do arrive
// without palisaded, so the test can fail.
func TestLeakMatrix(t *testing.T) {
	runLeakMatrix(t, testbed.Options{}, "leak-matrix.txt", "leak matrix (packets reaching internet from the client's own addresses)")
}

// TestLeakMatrixIPv6OnlyLAN is the same on an IPv6-only LAN whose router
// translates to IPv4 (NAT64, DNS64), with the profile's IPv4 server
// reached through it: the IPv4 probes go through the translator, whose
// pool counts as the client's.
func TestLeakMatrixIPv6OnlyLAN(t *testing.T) {
	runLeakMatrix(t, ipv6OnlyLAN, "leak-matrix-ipv6-only-lan.txt",
		"leak matrix on an IPv6-only LAN with NAT64 (packets reaching internet from the client's addresses or the NAT64 pool)")
}

func runLeakMatrix(t *testing.T, opts testbed.Options, file, title string) {
	bed := testbed.New(t, opts)
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	mx := &matrix{}
	defer func() { report(t, file, title, mx.String()) }()

	base := measureVia(t, bed, mx, "0 baseline, no palisaded", opts.NAT64)
	for col, n := range mx.rows["0 baseline, no palisaded"] {
		if n == 0 {
			t.Errorf("baseline: %s probe did not arrive, so this test could not see a leak", col)
		}
	}
	if base == 0 {
		t.Fatal("baseline saw nothing")
	}

	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t, "--handshake-timeout", "4s", "--stale-after", "6s")
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	check := func(state string) {
		if got := measureVia(t, bed, mx, state, opts.NAT64); got != 0 {
			t.Errorf("%s: %d packets leaked", state, got)
		}
	}

	mustCLI(t, n, "set", "killswitch", "always")
	check("1 always, disconnected")

	bed.StopServer()
	mustCLI(t, n, "connect", "bed")
	n.waitState(t, ipc.Connecting, 5*time.Second)
	check("2 always, connecting (no server)")
	n.waitState(t, ipc.Error, 20*time.Second)
	check("3 always, error")
	mustCLI(t, n, "disconnect")
	mustCLI(t, n, "set", "killswitch", "auto")
	bed.StartServer()

	n.connect(t, "bed")
	check("4 auto, connected")

	bed.StopServer()
	n.waitState(t, ipc.Reconnecting, 30*time.Second)
	check("5 auto, reconnecting")
	bed.StartServer()
	n.waitState(t, ipc.Connected, 60*time.Second)

	n.daemon.Kill()
	time.Sleep(200 * time.Millisecond)
	check("6 auto, after kill -9")

	// The service comes back, recovers the connection, without duplicates.
	n.launch(t, "--handshake-timeout", "4s", "--stale-after", "6s")
	n.waitState(t, ipc.Connected, 40*time.Second)
	check("7 auto, restarted after crash")
	// A clean stop with kill switch always keeps the block in place.
	mustCLI(t, n, "set", "killswitch", "always")
	if err := n.daemon.Stop(); err != nil {
		t.Fatalf("daemon stop: %v", err)
	}
	check("8 always, service stopped")
	n.launch(t)
	mustCLI(t, n, "set", "killswitch", "auto")
	for _, fam := range []string{"-4", "-6"} {
		out, err := bed.Exec(testbed.RoleClient, "ip", fam, "rule", "show")
		if err != nil {
			t.Fatal(err)
		}
		if c := strings.Count(string(out), "suppress_prefixlength 0"); c != 1 {
			t.Errorf("ip %s rule after restart has %d suppress rules:\n%s", fam, c, out)
		}
	}
}

func mustCLI(t *testing.T, n *node, args ...string) {
	t.Helper()
	if out, err := n.cli(t, args...); err != nil {
		t.Fatalf("palisade %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// lanLinkLocal returns the LAN neighbour's link-local address on the
// client's link, scoped to the client's interface.
func lanLinkLocal(t *testing.T, b *testbed.Bed) netip.Addr {
	t.Helper()
	out, err := b.Exec(testbed.RoleLAN, "ip", "-6", "-o", "addr", "show", "dev", "lan0", "scope", "link")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	for i, w := range f {
		if w == "inet6" && i+1 < len(f) {
			p, err := netip.ParsePrefix(f[i+1])
			if err == nil {
				return p.Addr().WithZone("eth0")
			}
		}
	}
	t.Fatalf("no link-local address on lan0: %s", out)
	return netip.Addr{}
}

// With allow_lan the neighbour answers on all four address kinds; without,
// on none. A new global prefix on the link becomes reachable within 3 s.
func TestAllowLAN(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	addrs := []netip.Addr{testbed.LANIPv4, testbed.LANULA, testbed.LANIPv6, lanLinkLocal(t, n.bed)}
	ping := func(a netip.Addr) error {
		return n.bed.ProbePing(context.Background(), a)
	}
	for _, a := range addrs {
		if err := ping(a); err != nil {
			t.Errorf("allow_lan on: neighbour %s unreachable: %v", a, err)
		}
	}
	mustCLI(t, n, "set", "allow-lan", "off")
	for _, a := range addrs {
		if err := ping(a); err == nil {
			t.Errorf("allow_lan off: neighbour %s still reachable", a)
		}
	}
	mustCLI(t, n, "set", "allow-lan", "on")
	if out, err := n.bed.Exec(testbed.RoleLAN, "ip", "addr", "add", "2001:db8:51::1/64", "dev", "lan0", "nodad"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := n.bed.Exec(testbed.RoleClient, "ip", "addr", "add", "2001:db8:51::2/64", "dev", "eth0", "nodad"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	added := time.Now()
	waitFor(t, 3*time.Second, "new global prefix reachable", func() bool {
		return ping(netip.MustParseAddr("2001:db8:51::1")) == nil
	})
	t.Logf("new prefix reachable %s after it was added", time.Since(added).Round(10*time.Millisecond))
}
