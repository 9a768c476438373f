package e2e

import (
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// lanDNSCounters counts, in the LAN namespace, port-53 packets arriving
// straight from the client's link (lan0) for each address; read returns
// the count for one of them.
func lanDNSCounters(t *testing.T, n *node, addrs ...netip.Addr) (read func(netip.Addr) uint64) {
	t.Helper()
	cmds := [][]string{
		{"nft", "add", "table", "inet", "paldns"},
		{"nft", "add chain inet paldns pre { type filter hook prerouting priority -300 ; }"},
	}
	name := func(a netip.Addr) string { return "dns" + strings.NewReplacer(".", "_", ":", "_").Replace(a.String()) }
	for _, a := range addrs {
		fam := "ip"
		if a.Is6() {
			fam = "ip6"
		}
		cmds = append(cmds, []string{"nft", "add", "counter", "inet", "paldns", name(a)},
			[]string{"nft", "add rule inet paldns pre iifname lan0 " + fam + " daddr " + a.String() + " meta l4proto { tcp, udp } th dport 53 counter name " + name(a)})
	}
	for _, args := range cmds {
		if out, err := n.bed.Exec(testbed.RoleLAN, args...); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	packets := regexp.MustCompile(`packets (\d+)`)
	return func(a netip.Addr) uint64 {
		out, err := n.bed.Exec(testbed.RoleLAN, "nft", "list", "counter", "inet", "paldns", name(a))
		m := packets.FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("counter for %v: %v\n%s", a, err, out)
		}
		v, _ := strconv.ParseUint(string(m[1]), 10, 64)
		return v
	}
}

// TestTunnelUpstreamNotAskedOverLAN: the tunnel's DNS servers (10.64.0.1,
// fd64::1) are private addresses inside the full tunnel, and the LAN has
// them too: the LAN router owns both and the client routes their ranges
// to it, as a site network behind the router would. With allow-LAN on
// (the default), the resolver's queries still go through the tunnel (only
// the tunnel's server knows tunnel.test) and none reaches the LAN; both
// families, one upstream at a time. A resolver on the client's own link
// stays a LAN upstream.
func TestTunnelUpstreamNotAskedOverLAN(t *testing.T) {
	n := start(t, testbed.Options{})
	for _, c := range [][]string{
		{testbed.RoleLAN, "ip", "addr", "add", testbed.TunnelServerIPv4.String() + "/32", "dev", "lo"},
		{testbed.RoleLAN, "ip", "addr", "add", testbed.TunnelServerIPv6.String() + "/128", "dev", "lo"},
		{testbed.RoleClient, "ip", "route", "add", "10.64.0.0/24", "via", testbed.LANIPv4.String()},
		{testbed.RoleClient, "ip", "route", "add", "fd64::/64", "via", testbed.LANULA.String()},
	} {
		if out, err := n.bed.Exec(c[0], c[1:]...); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	lanQueries := lanDNSCounters(t, n, testbed.TunnelServerIPv4, testbed.TunnelServerIPv6, testbed.LANIPv4, testbed.LANULA)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	for _, c := range []struct{ up, qtype, want string }{
		{testbed.TunnelServerIPv4.String(), "A", testbed.TunnelNameIPv4.String()},
		{testbed.TunnelServerIPv6.String(), "AAAA", testbed.TunnelNameIPv6.String()},
	} {
		mustCLI(t, n, "set", "dns", "custom", c.up)
		n.waitState(t, "connected", 30*time.Second)
		if got := n.dig(t, "@127.80.73.65", testbed.TunnelName, c.qtype); got != c.want {
			t.Errorf("upstream %s: %s %s = %q, want %s from the tunnel's server", c.up, testbed.TunnelName, c.qtype, got, c.want)
		}
	}
	for _, a := range []netip.Addr{testbed.TunnelServerIPv4, testbed.TunnelServerIPv6} {
		if got := lanQueries(a); got != 0 {
			t.Errorf("%d queries for the tunnel's DNS server %v reached the LAN", got, a)
		}
	}
	// The counterpart: a resolver on the client's own link (a Pi-hole, here
	// the LAN router) stays a LAN upstream beside the full tunnel, asked
	// straight over the link (through the tunnel it would arrive from the
	// server's side).
	for _, c := range []struct {
		up    netip.Addr
		qtype string
	}{{testbed.LANIPv4, "A"}, {testbed.LANULA, "AAAA"}} {
		mustCLI(t, n, "set", "dns", "custom", c.up.String())
		n.waitState(t, "connected", 30*time.Second)
		if got := n.dig(t, "@127.80.73.65", testbed.ProbeName, c.qtype); got != c.up.String() {
			t.Errorf("LAN upstream %s: %s %s = %q, want %s from the LAN router", c.up, testbed.ProbeName, c.qtype, got, c.up)
		}
		if lanQueries(c.up) == 0 {
			t.Errorf("LAN upstream %s was not asked over the client's link", c.up)
		}
	}
}

// TestSystemDNSNotSet: with /etc/resolv.conf read-only in the daemon's
// mount namespace, the tunnel connects and works, the status and the CLI
// say that the system DNS is not set and why, the resolver's loopback
// addresses are gone at once and after disconnect, no DNS leaves outside
// the tunnel, and resolv.conf is untouched.
func TestSystemDNSNotSet(t *testing.T) {
	n := start(t, testbed.Options{})
	original, err := os.ReadFile(n.daemon.ResolvConf())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := n.daemon.Exec("sh", "-c", "mount --bind /etc/resolv.conf /etc/resolv.conf && mount -o remount,bind,ro /etc/resolv.conf"); err != nil {
		t.Fatalf("read-only resolv.conf: %v\n%s", err, out)
	}
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	if out, err := n.cli(t, "connect", "bed", "--wait", "--timeout", "40s"); err != nil || !strings.Contains(out, "\nwarning: system DNS not set: ") {
		t.Errorf("palisade connect --wait: %v\n%s", err, out)
	}
	st := n.waitState(t, "connected", 10*time.Second)
	if !strings.HasPrefix(st.DNS.Warning, "system DNS not set: ") || !strings.Contains(st.DNS.Warning, "read-only") {
		t.Errorf("dns warning %q, want 'system DNS not set: ' and the read-only reason", st.DNS.Warning)
	}
	if out, err := n.cli(t, "status"); err != nil || !strings.Contains(out, "\nwarning:     system DNS not set: ") {
		t.Errorf("palisade status: %v\n%s", err, out)
	}
	noResolverOnLoopback := func(when string) {
		out, err := n.daemon.Exec("ip", "-o", "addr", "show", "dev", "lo")
		if err != nil || strings.Contains(string(out), "127.80.73.65") || strings.Contains(string(out), "fe80::80:73:65") {
			t.Errorf("%s: resolver addresses on lo (%v):\n%s", when, err, out)
		}
	}
	noResolverOnLoopback("connected without system DNS")
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ addr, seen netip.Addr }{
		{testbed.InternetIPv4, testbed.ServerIPv4},
		{testbed.InternetIPv6, testbed.ServerIPv6},
	} {
		// The tunnel carries traffic; the system's own DNS server is
		// rejected rather than asked outside the tunnel.
		if seen, err := n.probeSeen(t, c.addr); err != nil || seen != c.seen.String() {
			t.Errorf("probe %s through the tunnel: seen %q, %v; want %s", c.addr, seen, err, c.seen)
		}
		if got := n.dig(t, "@"+c.addr.String(), testbed.ExampleName); strings.Contains(got, testbed.ExampleIPv4.String()) {
			t.Errorf("the system's DNS server %s answered outside the resolver: %q", c.addr, got)
		}
	}
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("packets left outside the tunnel: %v", c)
	}
	mustCLI(t, n, "disconnect")
	noResolverOnLoopback("after disconnect")
	if st := n.waitState(t, "disconnected", 10*time.Second); st.DNS.Warning != "" {
		t.Errorf("warning after disconnect: %q", st.DNS.Warning)
	}
	if after, _ := os.ReadFile(n.daemon.ResolvConf()); string(after) != string(original) {
		t.Errorf("resolv.conf changed:\n%s\nwant\n%s", after, original)
	}
}
