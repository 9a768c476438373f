package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// dig runs dig inside the daemon's network and mount namespace.
func (n *node) dig(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := n.daemon.Exec(append([]string{"dig", "+time=2", "+tries=1", "+short"}, args...)...)
	return strings.TrimSpace(string(out))
}

func TestDNSThroughTunnel(t *testing.T) {
	n := start(t, testbed.Options{})
	original, err := os.ReadFile(n.daemon.ResolvConf())
	if err != nil {
		t.Fatal(err)
	}
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	st := n.connect(t, "bed")
	if len(st.DNS.Resolvers) != 2 || len(st.DNS.Upstreams) != 2 {
		t.Errorf("DNS status: %+v", st.DNS)
	}
	// tunnel.test. exists only on the tunnel's DNS server, so an answer
	// proves the path system resolver → local resolver → tunnel.
	out, err := n.daemon.Exec("getent", "ahosts", strings.TrimSuffix(testbed.TunnelName, "."))
	if err != nil || !strings.Contains(string(out), testbed.TunnelNameIPv4.String()) || !strings.Contains(string(out), testbed.TunnelNameIPv6.String()) {
		t.Errorf("getent through the system resolver: %v\n%s", err, out)
	}
	for _, server := range []string{"@127.80.73.65", "@fe80::80:73:65%lo"} {
		for _, q := range [][2]string{{"A", testbed.TunnelNameIPv4.String()}, {"AAAA", testbed.TunnelNameIPv6.String()}} {
			if got := n.dig(t, server, testbed.TunnelName, q[0]); got != q[1] {
				t.Errorf("dig %s %s %s = %q, want %s", server, testbed.TunnelName, q[0], got, q[1])
			}
		}
	}
	// A direct query to the public server is a DNS leak: blocked.
	for _, server := range []string{"@" + testbed.InternetIPv4.String(), "@" + testbed.InternetIPv6.String()} {
		if got := n.dig(t, server, testbed.ExampleName); strings.Contains(got, testbed.ExampleIPv4.String()) {
			t.Errorf("direct query to %s answered: %q", server, got)
		}
	}
	// Custom upstreams of each family: the public server sees the queries
	// arriving from the VPN server, never from the client.
	for _, c := range []struct{ name, addr, want string }{
		{"v4", testbed.InternetIPv4.String(), testbed.ServerIPv4.String()},
		{"v6", testbed.InternetIPv6.String(), testbed.ServerIPv6.String()},
		// Mixed: the first upstream answers while it works.
		{"mixed", testbed.InternetIPv6.String() + " " + testbed.InternetIPv4.String(), testbed.ServerIPv6.String()},
	} {
		mustCLI(t, n, append([]string{"set", "dns", "custom"}, strings.Fields(c.addr)...)...)
		n.waitState(t, "connected", 30*time.Second)
		got := n.dig(t, "@127.80.73.65", testbed.WhoamiName, "TXT")
		if !strings.Contains(got, c.want) {
			t.Errorf("custom %s upstream: whoami = %q, want the server's %s", c.name, got, c.want)
		}
	}
	mustCLI(t, n, "disconnect")
	after, _ := os.ReadFile(n.daemon.ResolvConf())
	if string(after) != string(original) {
		t.Errorf("resolv.conf not restored after disconnect:\n%s\nwant\n%s", after, original)
	}
	// Crash while connected, restart, disconnect: restored byte for byte.
	mustCLI(t, n, "set", "dns", "tunnel")
	n.connect(t, "bed")
	n.daemon.Kill()
	n.launch(t)
	n.waitState(t, "connected", 40*time.Second)
	mustCLI(t, n, "disconnect")
	after, _ = os.ReadFile(n.daemon.ResolvConf())
	if string(after) != string(original) {
		t.Errorf("resolv.conf not restored after crash and restart:\n%s", after)
	}
}

// With DNS mode existing, resolv.conf is left alone.
func TestDNSExistingLeavesResolvConf(t *testing.T) {
	n := start(t, testbed.Options{})
	original, _ := os.ReadFile(n.daemon.ResolvConf())
	mustCLI(t, n, "set", "dns", "existing")
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	now, _ := os.ReadFile(n.daemon.ResolvConf())
	if string(now) != string(original) {
		t.Errorf("existing mode changed resolv.conf:\n%s", now)
	}
}
