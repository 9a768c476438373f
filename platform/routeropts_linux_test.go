package platform

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/netnstest"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/nat64"
)

// raNetnsEnv names the router's namespace for the child.
const raNetnsEnv = "PALISADE_TEST_RA_NETNS"

// raModeEnv tells the child how the host and the router behave.
const raModeEnv = "PALISADE_TEST_RA_MODE"

// A real router advertisement's PREF64 option reaches the watch (a router
// namespace announcing a NAT64 prefix on a veth link), with the interface
// and the router's link-local address: with the kernel processing
// advertisements (accept_ra=1), and with it not (accept_ra=0, as under
// NetworkManager or systemd-networkd) from a router that speaks only when
// solicited, its periodic advertisement having gone before the watch began.
func TestWatchRouterOptionsPREF64(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	for _, mode := range []string{"kernel", "userspace-solicited"} {
		t.Run(mode, func(t *testing.T) {
			b := make([]byte, 4)
			rand.Read(b)
			router := "palisade-ra-" + hex.EncodeToString(b)
			if out, err := exec.Command("ip", "netns", "add", router).CombinedOutput(); err != nil {
				t.Fatalf("ip netns add: %v: %s", err, out)
			}
			t.Cleanup(func() { exec.Command("ip", "netns", "del", router).Run() })
			t.Setenv(raNetnsEnv, router)
			t.Setenv(raModeEnv, mode)
			netnstest.Rerun(t, "TestWatchRouterOptionsPREF64Child",
				[]string{"link", "add", "eth0", "type", "veth", "peer", "name", "rp", "netns", router},
				[]string{"link", "set", "eth0", "up"})
		})
	}
}

func TestWatchRouterOptionsPREF64Child(t *testing.T) {
	netnstest.Child(t)
	router, mode := os.Getenv(raNetnsEnv), os.Getenv(raModeEnv)
	type seen struct {
		iface string
		o     RouterOption
	}
	got := make(chan seen, 16)
	watch := func() {
		stop, err := WatchRouterOptions(slog.New(slog.NewTextHandler(os.Stderr, nil)), func(name string, o RouterOption) {
			select {
			case got <- seen{name, o}:
			default: // the test has what it needs; stop must not wait on it
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	accept, interval := "1", time.Second
	if mode == "userspace-solicited" {
		accept, interval = "0", time.Hour
	}
	for _, args := range [][]string{
		{"sysctl", "-qw", "net.ipv6.conf.eth0.accept_ra=" + accept},
		// A router: it forwards, so it hears solicitations to ff02::2.
		{"ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.rp.accept_dad=0"},
		{"ip", "-n", router, "link", "set", "rp", "up"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", args, err, out)
		}
	}
	if mode == "kernel" {
		watch()
	}
	ad, err := testbed.Advertise(router, "rp", testbed.Advertisement{RouterLifetime: 30 * time.Minute,
		PREF64: []testbed.PREF64Option{{Prefix: netip.MustParsePrefix("2001:db8:64::/96"), Lifetime: 600 * time.Second}}}, interval)
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Stop()
	if mode != "kernel" {
		// The router's first advertisement has gone: only the watch's
		// solicitation can bring another within the hour. It needs a
		// source address: eth0's link-local one, once out of DAD (a host's
		// interfaces are long up when the service starts).
		for i := 0; ; i++ {
			out, err := exec.Command("ip", "-6", "addr", "show", "dev", "eth0", "scope", "link").CombinedOutput()
			if err == nil && strings.Contains(string(out), "fe80::") && !strings.Contains(string(out), "tentative") {
				break
			}
			if i == 100 {
				t.Fatalf("eth0's link-local address still not usable:\n%s", out)
			}
			time.Sleep(50 * time.Millisecond)
		}
		watch()
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case s := <-got:
			o := s.o
			if o.Option[0] != nat64.OptPREF64 {
				continue
			}
			p, err := nat64.ParsePREF64(o.Option)
			if err != nil {
				t.Fatalf("PREF64 from the router unparsable: %v (% x)", err, o.Option)
			}
			if p.Prefix != netip.MustParsePrefix("2001:db8:64::/96") || p.Lifetime != 600*time.Second {
				t.Errorf("PREF64 = %+v, want 2001:db8:64::/96 for 600s", p)
			}
			if s.iface != "eth0" || !o.Router.IsLinkLocalUnicast() {
				t.Errorf("from %s on %q, want a link-local router on eth0", o.Router, s.iface)
			}
			return
		case <-deadline:
			t.Fatal("no PREF64 option within 20 s")
		}
	}
}
