package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/ipc"
)

// splitParent returns a cgroup parent of the test's own for the daemon's
// split groups, removed (bounded) after the daemon and its programs are
// gone. Call it before start, so its cleanup runs after the daemon's.
func splitParent(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("split tunnel: needs root for network namespaces and cgroups")
	}
	m, err := cgroup.Find()
	if err != nil {
		t.Fatalf("cgroup2: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	parent := "palisade-e2e-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		for _, rel := range []string{path.Join(parent, cgroup.Bypass), path.Join(parent, cgroup.VPNOnly), parent} {
			var err error
			for range 50 {
				if err = os.Remove(m.Path(rel)); err == nil || errors.Is(err, fs.ErrNotExist) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("cgroup %s not removed: %v", rel, err)
			}
		}
	})
	return parent
}

// splitProbe runs the probe program in the daemon's namespaces: through
// `palisade exec --bypass|--vpn-only` when flag is set, else directly.
func (n *node) splitProbe(t *testing.T, flag, kind string) splitResult {
	t.Helper()
	return n.splitProbeOf(t, os.Args[0], flag, kind)
}

// splitProbeOf is splitProbe with the probe program's copy at bin.
func (n *node) splitProbeOf(t *testing.T, bin, flag, kind string) splitResult {
	t.Helper()
	probe := []string{"env", splitProbeEnv + "=" + kind, bin}
	args := probe
	if flag != "" {
		args = append([]string{bins.cli, "--socket", n.socket, "exec", flag, "--"}, probe...)
	}
	out, err := n.daemon.Exec(args...)
	var r splitResult
	if err != nil || json.Unmarshal(out, &r) != nil {
		t.Fatalf("probe %s %s: %v\n%s", flag, kind, err, out)
	}
	return r
}

// dumpOnFailure logs the client's rules and routes if t fails; it runs
// before the daemon is stopped.
func (n *node) dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, c := range [][]string{{"nft", "list", "ruleset"}, {"ip", "rule"}, {"ip", "-6", "rule"}, {"ip", "route", "show", "table", "all"}, {"ip", "-6", "route", "show", "table", "all"}} {
			out, err := n.daemon.Exec(c...)
			t.Logf("%v: %v\n%s", c, err, out)
		}
	})
}

// wantSeen checks what the internet host saw of a probe program.
func wantSeen(t *testing.T, what string, r splitResult, v4, v6 string) {
	t.Helper()
	for _, c := range []struct{ name, got, want string }{
		{"tcp4", r.TCP4, v4}, {"udp4", r.UDP4, v4}, {"tcp6", r.TCP6, v6}, {"udp6", r.UDP6, v6},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s seen from %q, want %q", what, c.name, c.got, c.want)
		}
	}
}

// wantBlocked checks that every traffic probe of a program failed, and
// that its lookups did not reach a name server from the client's own
// addresses (the local resolver may still answer from its cache).
func wantBlocked(t *testing.T, what string, r splitResult) {
	t.Helper()
	for name, got := range map[string]string{"tcp4": r.TCP4, "udp4": r.UDP4, "tcp6": r.TCP6, "udp6": r.UDP6} {
		if !strings.HasPrefix(got, "error: ") {
			t.Errorf("%s: %s got through (%q)", what, name, got)
		}
	}
	if isClientAddr(r.DNS4) || isClientAddr(r.DNS6) {
		t.Errorf("%s: lookups went out directly: whoami %q / %q", what, r.DNS4, r.DNS6)
	}
}

// wantRejected checks that a blocked program failed fast, as the kill
// switch rejects: TCP refused by a reset, UDP answered by an ICMP or
// ICMPv6 error, both families; a dropped probe ends in its timeout.
// (UDP failed at once on a drop too, the send itself refused: the ICMP
// error the socket hears afterwards tells the two apart.)
func wantRejected(t *testing.T, what string, r splitResult) {
	t.Helper()
	for name, got := range map[string]string{"tcp4": r.TCP4, "tcp6": r.TCP6} {
		if !strings.Contains(got, "connection refused") {
			t.Errorf("%s: %s not refused at once: %q", what, name, got)
		}
	}
	// The send fails either way (EPERM); what the socket hears next is the
	// ICMP admin-prohibited error as its errno (EHOSTUNREACH for IPv4,
	// EACCES for IPv6), where a drop leaves it to time out.
	for _, c := range []struct{ name, got, icmp string }{
		{"udp4", r.UDP4, "no route to host"}, {"udp6", r.UDP6, "permission denied"},
	} {
		_, then, _ := strings.Cut(c.got, "; then ")
		if !strings.HasPrefix(c.got, "error: ") || !strings.HasSuffix(then, c.icmp) {
			t.Errorf("%s: %s not rejected with an ICMP error (%s): %q", what, c.name, c.icmp, c.got)
		}
	}
}

func isClientAddr(s string) bool {
	return s == testbed.ClientIPv4.String() || s == testbed.ClientIPv6.String()
}

// noLeaks measures every probe of both families from the test process,
// which is in no split group, and fails on anything reaching internet
// outside the tunnel.
func noLeaks(t *testing.T, n *node, mx *matrix, state string) {
	t.Helper()
	if got := measure(t, n.bed, mx, state); got != 0 {
		t.Errorf("%s: %d packets of programs outside the group leaked", state, got)
	}
}

// TestSplitBypass: a bypass program (and its child) reaches the internet
// host from the client's own addresses, both families, and its lookups go
// to the system's name servers directly, while the kill switch blocks
// everything else and nothing outside the group leaks, in every kill
// switch state.
func TestSplitBypass(t *testing.T) {
	parent := splitParent(t)
	n := start(t, testbed.Options{}, "--cgroup-parent", parent, "--handshake-timeout", "4s", "--stale-after", "6s")
	n.dumpOnFailure(t)
	mx := &matrix{}
	defer func() {
		report(t, "split-bypass-leaks.txt", "split tunnel bypass: leaks of programs outside the group", mx.String())
	}()
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "split", "mode", "bypass")
	n.connect(t, "bed")

	direct := func(state string) {
		t.Helper()
		for _, kind := range []string{"self", "child"} {
			r := n.splitProbe(t, "--bypass", kind)
			what := state + ", bypass " + kind
			wantSeen(t, what, r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())
			if r.Cgroup != "/"+path.Join(parent, cgroup.Bypass) {
				t.Errorf("%s: ran in cgroup %q", what, r.Cgroup)
			}
			// The bypass resolver asked the public server from the
			// client's own address, for queries to either resolver address.
			if !isClientAddr(r.DNS4) || !isClientAddr(r.DNS6) {
				t.Errorf("%s: lookups not direct: whoami %q / %q", what, r.DNS4, r.DNS6)
			}
		}
	}
	direct("always, connected")
	r := n.splitProbe(t, "", "self")
	wantSeen(t, "outside the group", r, testbed.ServerIPv4.String(), testbed.ServerIPv6.String())
	if isClientAddr(r.DNS4) || isClientAddr(r.DNS6) || strings.HasPrefix(r.DNS4, "error") {
		t.Errorf("outside the group: lookups not through the tunnel: whoami %q / %q", r.DNS4, r.DNS6)
	}
	bypassListens(t, n)
	noLeaks(t, n, mx, "1 always, connected")
	mustCLI(t, n, "set", "killswitch", "auto")
	noLeaks(t, n, mx, "2 auto, connected")
	mustCLI(t, n, "set", "killswitch", "off")
	noLeaks(t, n, mx, "3 off, connected")

	mustCLI(t, n, "set", "killswitch", "auto")
	if err := n.bed.StopServer(); err != nil {
		t.Fatal(err)
	}
	n.waitState(t, ipc.Reconnecting, 20*time.Second)
	noLeaks(t, n, mx, "4 auto, server gone")
	r = n.splitProbe(t, "--bypass", "self")
	wantSeen(t, "auto, server gone, bypass", r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())

	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "disconnect")
	noLeaks(t, n, mx, "5 always, disconnected")
	// Blocked and without a tunnel, the group still goes out directly.
	r = n.splitProbe(t, "--bypass", "self")
	wantSeen(t, "always, disconnected, bypass", r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())
}

// TestSplitVPNOnly: only the group (and a child) goes through the tunnel,
// everything else goes out directly; with the tunnel down (auto, armed) and
// blocked without one (always, disconnected), nothing of the group leaks
// while the rest still goes out.
func TestSplitVPNOnly(t *testing.T) {
	parent := splitParent(t)
	n := start(t, testbed.Options{}, "--cgroup-parent", parent, "--handshake-timeout", "4s", "--stale-after", "6s")
	n.dumpOnFailure(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "split", "mode", "vpn-only")
	n.connect(t, "bed")

	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"self", "child"} {
		r := n.splitProbe(t, "--vpn-only", kind)
		wantSeen(t, "vpn-only "+kind, r, testbed.ServerIPv4.String(), testbed.ServerIPv6.String())
		if r.Cgroup != "/"+path.Join(parent, cgroup.VPNOnly) {
			t.Errorf("vpn-only %s: ran in cgroup %q", kind, r.Cgroup)
		}
		if isClientAddr(r.DNS4) || strings.HasPrefix(r.DNS4, "error") {
			t.Errorf("vpn-only %s: lookups not through the tunnel: whoami %q", kind, r.DNS4)
		}
	}
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("the group leaked while connected: %v", c)
	}
	r := n.splitProbe(t, "", "self")
	wantSeen(t, "outside the group", r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())

	// The tunnel drops (auto, armed): the group waits for it, the rest
	// still goes out.
	if err := n.bed.StopServer(); err != nil {
		t.Fatal(err)
	}
	n.waitState(t, ipc.Reconnecting, 20*time.Second)
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	wantBlocked(t, "auto, server gone, vpn-only", n.splitProbe(t, "--vpn-only", "self"))
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("the group leaked while the tunnel was down: %v", c)
	}
	r = n.splitProbe(t, "", "self")
	wantSeen(t, "auto, server gone, outside the group", r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())

	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "disconnect")
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	r = n.splitProbe(t, "--vpn-only", "self")
	wantBlocked(t, "always, disconnected, vpn-only", r)
	wantRejected(t, "always, disconnected, vpn-only", r)
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("the group leaked while blocked: %v", c)
	}
	r = n.splitProbe(t, "", "self")
	wantSeen(t, "always, disconnected, outside the group", r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())
}

// TestSplitProgramList: a listed program's new processes, and their
// children, start in the bypass group without `palisade exec`; once it
// leaves the list, its new processes go through the tunnel again.
func TestSplitProgramList(t *testing.T) {
	parent := splitParent(t)
	n := start(t, testbed.Options{}, "--cgroup-parent", parent)
	n.dumpOnFailure(t)
	// A copy of the probe program of this test's own: the list matches
	// files, and the test binary itself must stay unlisted.
	probe := filepath.Join(t.TempDir(), "probe")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(probe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "split", "mode", "bypass")
	mustCLI(t, n, "split", "add", probe)
	if out, err := n.cli(t, "split", "list"); err != nil || !strings.Contains(out, probe) {
		t.Fatalf("split list: %v\n%s", err, out)
	}
	n.connect(t, "bed")
	for _, kind := range []string{"self", "child"} {
		r := n.splitProbeOf(t, probe, "", kind)
		wantSeen(t, "listed "+kind, r, testbed.ClientIPv4.String(), testbed.ClientIPv6.String())
		if r.Cgroup != "/"+path.Join(parent, cgroup.Bypass) {
			t.Errorf("listed %s: ran in cgroup %q", kind, r.Cgroup)
		}
	}
	mustCLI(t, n, "split", "remove", probe)
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	r := n.splitProbeOf(t, probe, "", "self")
	wantSeen(t, "removed from the list", r, testbed.ServerIPv4.String(), testbed.ServerIPv6.String())
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("a program removed from the list leaked: %v", c)
	}
}

// TestSplitBypassIPv6DisabledHost: on a host with IPv6 turned off, the
// split tunnel runs IPv4 alone without errors: the bypass program goes out
// directly over IPv4 and looks names up directly, and has no IPv6 at all.
func TestSplitBypassIPv6DisabledHost(t *testing.T) {
	parent := splitParent(t)
	n := start(t, testbed.Options{ClientNoIPv6: true}, "--cgroup-parent", parent)
	n.dumpOnFailure(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "split", "mode", "bypass")
	n.connect(t, "bed")
	r := n.splitProbe(t, "--bypass", "self")
	if r.TCP4 != testbed.ClientIPv4.String() || r.UDP4 != testbed.ClientIPv4.String() || r.DNS4 != testbed.ClientIPv4.String() {
		t.Errorf("bypass over IPv4: %+v", r)
	}
	if !strings.HasPrefix(r.TCP6, "error: ") || !strings.HasPrefix(r.UDP6, "error: ") {
		t.Errorf("IPv6 on a host without it: %+v", r)
	}
	st, err := n.client.Status(t.Context())
	if err != nil || st.LastError != "" || st.State != ipc.Connected {
		t.Errorf("status %+v, %v", st, err)
	}
}

// bypassListens: with the kill switch engaged, a listening bypass program
// is reached from the internet host on the client's own addresses, both
// families, while a listener outside the group, which the LAN reaches
// (allow_lan), is not reached from the internet.
func bypassListens(t *testing.T, n *node) {
	t.Helper()
	const group, other = "7401", "7402"
	done := make(chan struct{}, 2)
	for _, l := range []struct{ flag, port string }{{"--bypass", group}, {"", other}} {
		args := []string{"env", splitProbeEnv + "=listen:" + l.port, os.Args[0]}
		if l.flag != "" {
			args = append([]string{bins.cli, "--socket", n.socket, "exec", l.flag, "--"}, args...)
		}
		go func() {
			defer func() { done <- struct{}{} }()
			if out, err := n.daemon.Exec(args...); err != nil {
				t.Errorf("listener %s: %v\n%s", l.port, err, out)
			}
		}()
	}
	defer func() { <-done; <-done }()
	probe := func(role, port string, a netip.Addr) (string, error) {
		ap := netip.AddrPortFrom(a, uint16(mustAtoi(t, port)))
		return n.bed.ProbeFrom(t.Context(), role, net.Dialer{}, "tcp", ap)
	}
	for _, a := range []netip.Addr{testbed.ClientIPv4, testbed.ClientIPv6} {
		// Both listeners are up once the LAN reaches them (bounded).
		for _, port := range []string{group, other} {
			var err error
			for range 20 {
				if _, err = probe(testbed.RoleLAN, port, a); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("listener %s not reached from the LAN on %s: %v", port, a, err)
			}
		}
		if got, err := probe(testbed.RoleInternet, group, a); err != nil || got != testbed.InternetIPv4.String() && got != testbed.InternetIPv6.String() {
			t.Errorf("bypass listener on %s: not reached from the internet host: %q, %v", a, got, err)
		}
		if got, err := probe(testbed.RoleInternet, other, a); err == nil {
			t.Errorf("a listener outside the group was reached from the internet on %s (from %s)", a, got)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	i, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return i
}
