package testbed

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// family pairs the per-family addresses the tests use.
type family struct {
	name            string
	internet        netip.Addr
	client, server  netip.Addr
	tunnelDNS, self netip.Addr
}

var families = []family{
	{"ipv4", InternetIPv4, ClientIPv4, ServerIPv4, TunnelServerIPv4, TunnelClientIPv4},
	{"ipv6", InternetIPv6, ClientIPv6, ServerIPv6, TunnelServerIPv6, TunnelClientIPv6},
}

// probeAll sends TCP, UDP and ICMP to internet over f and checks the source
// address internet saw.
func probeAll(t *testing.T, b *Bed, f family, wantSrc netip.Addr) {
	t.Helper()
	ctx := context.Background()
	if got, err := b.ProbeTCP(ctx, netip.AddrPortFrom(f.internet, HTTPPort)); err != nil || got != wantSrc.String() {
		t.Errorf("%s tcp: seen %q, %v; want %s", f.name, got, err, wantSrc)
	}
	if got, err := b.ProbeUDP(ctx, netip.AddrPortFrom(f.internet, EchoPort)); err != nil || got != wantSrc.String() {
		t.Errorf("%s udp: seen %q, %v; want %s", f.name, got, err, wantSrc)
	}
	if err := b.ProbePing(ctx, f.internet); err != nil {
		t.Errorf("%s ping: %v", f.name, err)
	}
}

func TestNoTunnelLeaksAreCounted(t *testing.T) {
	b := New(t, Options{})
	for _, f := range families {
		probeAll(t, b, f, f.client)
	}
	counts, err := b.LeakCounts()
	if err != nil {
		t.Fatal(err)
	}
	if tc, err := b.TunnelCounts(); err != nil || sum(tc) != 0 {
		t.Errorf("direct traffic counted as tunnelled: %v, %v", tc, err)
	}
	for _, f := range families {
		for _, proto := range []string{"tcp", "udp", "icmp"} {
			if counts[f.name+"/"+proto] == 0 {
				t.Errorf("%s/%s: leak not counted (%v)", f.name, proto, counts)
			}
		}
	}
	if err := b.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	if counts, err := b.LeakCounts(); err != nil || sum(counts) != 0 {
		t.Errorf("after reset: %v, %v", counts, err)
	}
}

func sum(m map[string]uint64) (n uint64) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestPublicDNS(t *testing.T) {
	b := New(t, Options{})
	ctx := context.Background()
	for _, f := range families {
		server := netip.AddrPortFrom(f.internet, DNSPort)
		m, err := b.ProbeDNS(ctx, server, WhoamiName, dns.TypeTXT)
		if err != nil || len(m.Answer) != 1 || m.Answer[0].(*dns.TXT).Txt[0] != f.client.String() {
			t.Errorf("%s whoami: %v, %v", f.name, m, err)
		}
		m, err = b.ProbeDNS(ctx, server, BigName, dns.TypeA)
		if err != nil || len(m.Answer) != BigRecords {
			t.Errorf("%s big (TCP fallback): %v, %v", f.name, m, err)
		}
		m, err = b.ProbeDNS(ctx, server, TunnelName, dns.TypeA)
		if err != nil || m.Rcode != dns.RcodeNameError {
			t.Errorf("%s tunnel name on public DNS: %v, %v", f.name, m, err)
		}
	}
}

func TestPlainClient(t *testing.T) {
	b := New(t, Options{})
	before, err := b.Snapshot(RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	teardown := b.ConnectPlainClient(t)
	if err := errors.Join(b.ResetLeakCounts(), b.ResetTunnelCounts()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, f := range families {
		probeAll(t, b, f, f.server)
		m, err := b.ProbeDNS(ctx, netip.AddrPortFrom(f.tunnelDNS, DNSPort), WhoamiName, dns.TypeTXT)
		if err != nil || len(m.Answer) != 1 || m.Answer[0].(*dns.TXT).Txt[0] != f.self.String() {
			t.Errorf("%s tunnel whoami: %v, %v", f.name, m, err)
		}
		m, err = b.ProbeDNS(ctx, netip.AddrPortFrom(f.tunnelDNS, DNSPort), TunnelName, dns.TypeAAAA)
		if err != nil || len(m.Answer) != 1 {
			t.Errorf("%s tunnel name: %v, %v", f.name, m, err)
		}
	}
	if counts, err := b.LeakCounts(); err != nil || sum(counts) != 0 {
		t.Errorf("leaks through the plain client: %v, %v", counts, err)
	}
	if tc, err := b.TunnelCounts(); err != nil || tc["ipv4"] == 0 || tc["ipv6"] == 0 {
		t.Errorf("tunnelled traffic not counted per family: %v, %v", tc, err)
	}
	during, err := b.Snapshot(RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	teardown()
	after, err := b.Snapshot(RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	if during == before {
		t.Error("snapshot did not change while the tunnel was up")
	}
	if after != before {
		t.Errorf("snapshot changed by connect+teardown:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestPlainClientIPv6Endpoint(t *testing.T) {
	b := New(t, Options{})
	b.ConnectPlainClient(t, ProfileOptions{EndpointIPv6: true})
	out, err := b.Exec(RoleClient, "wg", "show", "wgc"+b.id, "endpoints")
	if err != nil || !strings.Contains(string(out), "[2001:db8:100::2]:51820") {
		t.Fatalf("endpoint: %s, %v", out, err)
	}
	for _, f := range families {
		probeAll(t, b, f, f.server)
	}
}

func TestServerRestart(t *testing.T) {
	b := New(t, Options{})
	teardown := b.ConnectPlainClient(t)
	target := netip.AddrPortFrom(InternetIPv4, HTTPPort)
	if _, err := b.ProbeTCP(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if err := b.StopServer(); err != nil {
		t.Fatal(err)
	}
	if got, err := b.ProbeTCP(context.Background(), target); err == nil {
		t.Fatalf("probe with the server stopped reached internet as %s", got)
	}
	if err := b.StartServer(); err != nil {
		t.Fatal(err)
	}
	// A fresh client handshake proves the restarted server has the same keys.
	teardown()
	b.ConnectPlainClient(t)
	for _, f := range families {
		probeAll(t, b, f, f.server)
		// The tunnel DNS sockets were bound before the restart.
		m, err := b.ProbeDNS(context.Background(), netip.AddrPortFrom(f.tunnelDNS, DNSPort), TunnelName, dns.TypeA)
		if err != nil || len(m.Answer) != 1 {
			t.Errorf("%s tunnel DNS after restart: %v, %v", f.name, m, err)
		}
	}
}

func TestClientNoIPv6(t *testing.T) {
	b := New(t, Options{ClientNoIPv6: true, ServerNoIPv6Tunnel: true})
	out, err := b.Exec(RoleClient, "sysctl", "-n", "net.ipv6.conf.eth0.disable_ipv6")
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("eth0 disable_ipv6: %s, %v", out, err)
	}
	if _, err := b.ProbeTCP(context.Background(), netip.AddrPortFrom(InternetIPv6, HTTPPort)); err == nil {
		t.Error("IPv6 probe succeeded from a client without IPv6")
	}
	b.ConnectPlainClient(t, ProfileOptions{IPv4Only: true})
	probeAll(t, b, families[0], ServerIPv4)
	if _, err := b.Snapshot(RoleClient); err != nil {
		t.Error(err)
	}
	if _, err := b.ProbeDNS(context.Background(), netip.AddrPortFrom(TunnelServerIPv4, DNSPort), TunnelName, dns.TypeA); err != nil {
		t.Error(err)
	}
}

func TestCleanupRemovesEverything(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	var b *Bed
	t.Run("bed", func(t *testing.T) {
		b = New(t, Options{})
		b.ConnectPlainClient(t)
	})
	if b == nil {
		t.Fatal("subtest did not build a bed")
	}
	for _, role := range roles {
		if _, err := os.Stat(filepath.Join("/var/run/netns", b.Namespace(role))); !os.IsNotExist(err) {
			t.Errorf("namespace %s left behind (%v)", b.Namespace(role), err)
		}
	}
	for _, p := range []string{filepath.Join(uapiDir, b.ServerInterface()+".sock"),
		filepath.Join(uapiDir, "wgc"+b.id+".sock"), filepath.Join(stateDir, b.id)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", p, err)
		}
	}
}

func TestStaleBedIsRemoved(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	id, err := claimID()
	if err != nil {
		t.Fatal(err)
	}
	ns := "pal-client-" + id
	if _, err := run(context.Background(), nil, "ip", "netns", "add", ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBed(id) })
	// A pid above pid_max never exists: the owner is gone.
	if err := os.WriteFile(filepath.Join(stateDir, id), []byte("4194305\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A record another process is still writing (empty so far) is not a
	// dead owner's.
	claim, err := os.CreateTemp(stateDir, claimPrefix)
	if err != nil {
		t.Fatal(err)
	}
	claim.Close()
	defer os.Remove(claim.Name())
	collectStale()
	if _, err := os.Stat(filepath.Join("/var/run/netns", ns)); !os.IsNotExist(err) {
		t.Errorf("stale namespace %s survived (%v)", ns, err)
	}
	if _, err := os.Stat(claim.Name()); err != nil {
		t.Errorf("a claim being written was collected as stale: %v", err)
	}
	live, err := claimID()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBed(live) })
	if raw, err := os.ReadFile(filepath.Join(stateDir, live)); err != nil || strings.TrimSpace(string(raw)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("a new claim records %q, %v; want this pid", raw, err)
	}
}

func TestDaemon(t *testing.T) {
	b := New(t, Options{})
	d := b.StartDaemon(t, "/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done")
	out, err := d.Exec("cat", "/etc/resolv.conf")
	if err != nil || string(out) != ResolvConf {
		t.Fatalf("daemon resolv.conf = %q, %v", out, err)
	}
	hostBefore, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	const rewritten = "nameserver 10.64.0.1\n"
	if _, err := d.Exec("sh", "-c", "echo 'nameserver 10.64.0.1' > /etc/resolv.conf"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(d.ResolvConf()); err != nil || string(got) != rewritten {
		t.Errorf("scratch resolv.conf = %q, %v", got, err)
	}
	if got, err := os.ReadFile("/etc/resolv.conf"); err != nil || string(got) != string(hostBefore) {
		t.Errorf("host resolv.conf changed to %q (%v)", got, err)
	}
	if out, err := d.Exec("ip", "-o", "-4", "addr", "show", "dev", "eth0"); err != nil || !strings.Contains(string(out), ClientIPv4.String()) {
		t.Errorf("daemon is not in the client namespace: %s, %v", out, err)
	}
	if err := d.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestIperf(t *testing.T) {
	b := New(t, Options{})
	measure := func(path string) {
		for _, fam := range []int{4, 6} {
			mbps, err := b.Iperf(context.Background(), fam, 1)
			if err != nil || mbps <= 0 {
				t.Errorf("iperf %s over IPv%d: %v Mbit/s, %v", path, fam, mbps, err)
			}
			t.Logf("iperf %s over IPv%d: %.0f Mbit/s", path, fam, mbps)
		}
	}
	measure("direct")
	b.ConnectPlainClient(t)
	if err := b.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	measure("through the plain client")
	if counts, err := b.LeakCounts(); err != nil || sum(counts) != 0 {
		t.Errorf("iperf through the tunnel leaked: %v, %v", counts, err)
	}
	if _, err := b.Iperf(context.Background(), 5, 1); err == nil {
		t.Error("family 5 accepted")
	}
}
