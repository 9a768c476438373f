package e2e

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// guestProbe sends one probe of a kind and family from the guest (a
// container behind the client) to internet, bounded.
func guestProbe(b *testbed.Bed, kind string, family int) {
	addr := testbed.InternetIPv4
	if family == 6 {
		addr = testbed.InternetIPv6
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	switch kind {
	case "tcp":
		b.ProbeFrom(ctx, testbed.RoleGuest, net.Dialer{}, "tcp", netip.AddrPortFrom(addr, testbed.HTTPPort))
	case "udp":
		b.ProbeFrom(ctx, testbed.RoleGuest, net.Dialer{}, "udp", netip.AddrPortFrom(addr, testbed.EchoPort))
	case "icmp":
		b.Exec(testbed.RoleGuest, "ping", "-n", "-c1", "-W1", addr.String())
	case "dns":
		q := new(dns.Msg)
		q.SetQuestion(testbed.ExampleName, dns.TypeA)
		b.Do(testbed.RoleGuest, func() error {
			_, _, err := (&dns.Client{}).ExchangeContext(ctx, q, netip.AddrPortFrom(addr, testbed.DNSPort).String())
			return err
		})
	}
}

// TestGuestTrafficNoLeak runs a Docker-like container behind the client
// (a bridge, forwarding, masquerade of both families) and probes from it
// without pause while connected, while the daemon is dead after a kill -9
// and restarts, and while the session reconnects to a server that is gone:
// forwarded traffic is held to the same rules, so nothing of the guest's
// may reach internet outside the tunnel. Connected, the guest's traffic
// goes through the tunnel.
func TestGuestTrafficNoLeak(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	if err := bed.AddGuest(); err != nil {
		t.Fatal(err)
	}
	probe := func(kind string, fam int) { guestProbe(bed, kind, fam) }
	if err := bed.ResetOutsideCounts(); err != nil {
		t.Fatal(err)
	}
	for _, fam := range []int{4, 6} {
		for _, kind := range probeKinds {
			probe(kind, fam)
		}
	}
	if c, err := bed.OutsideCounts(); err != nil || c["ipv4"] == 0 || c["ipv6"] == 0 {
		t.Fatalf("baseline: the guest's probes did not reach internet without palisaded: %v %v", c, err)
	}

	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t, daemonArgs...)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	for inet, server := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		seen, err := bed.ProbeFrom(ctx, testbed.RoleGuest, net.Dialer{}, "tcp", netip.AddrPortFrom(inet, testbed.HTTPPort))
		cancel()
		if err != nil || seen != server.String() {
			t.Errorf("guest to %s: seen from %q (%v), want through the tunnel from %s", inet, seen, err, server)
		}
	}

	s := startSweepWith(t, bed, probe)
	time.Sleep(2 * time.Second)
	s.noLeak(t, "guest, connected")

	s = startSweepWith(t, bed, probe)
	n.daemon.Kill()
	time.Sleep(2 * time.Second)
	n.launch(t, daemonArgs...)
	n.waitState(t, ipc.Connected, 40*time.Second)
	s.noLeak(t, "guest, kill -9 and restart")

	s = startSweepWith(t, bed, probe)
	bed.StopServer()
	n.waitState(t, ipc.Reconnecting, 30*time.Second)
	time.Sleep(3 * time.Second)
	s.noLeak(t, "guest, reconnecting with the server gone")
}
