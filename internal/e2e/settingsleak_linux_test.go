package e2e

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"golang.org/x/sys/unix"
)

// boundEscapes reports whether a program that binds its socket to the
// physical interface reaches internet (over TCP, either family): the routes
// cannot stop it, only the kill switch can.
func boundEscapes(b *testbed.Bed) bool {
	d := sockopt(unix.SO_BINDTODEVICE, 0, "eth0")
	for _, a := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := b.ProbeWith(ctx, d, "tcp", netip.AddrPortFrom(a, testbed.HTTPPort))
		cancel()
		if err == nil {
			return true
		}
	}
	return false
}

// TestSettingsChangesNoLeak changes settings while connected (kill switch
// auto, armed) and probes both families without pause: allow-LAN off and
// on, the kill switch to always and back to auto, IPv6 in the tunnel off
// and on (each a reconnect), and IPv6 off with the kill switch off.
// Nothing may leave outside the tunnel during the changes. Then, with the server gone and the session reconnecting,
// the kill switch goes to always and back to auto: auto is engaged from
// the first successful connect until the user disconnects, so it must
// still hold a program bound to the physical interface.
func TestSettingsChangesNoLeak(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	outsideBaseline(t, bed)
	if !boundEscapes(bed) {
		t.Fatal("baseline: a socket bound to eth0 did not reach internet without palisaded")
	}
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t, daemonArgs...)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")

	s := startSweep(t, bed)
	for _, step := range [][]string{
		{"allow-lan", "off"}, {"allow-lan", "on"}, {"killswitch", "always"}, {"killswitch", "auto"},
		{"ipv6", "off"}, {"ipv6", "on"},
	} {
		mustCLI(t, n, append([]string{"set"}, step...)...)
		n.waitState(t, ipc.Connected, 40*time.Second)
		time.Sleep(500 * time.Millisecond)
	}
	tunnelWorks(t, n, "the settings changes")
	s.noLeak(t, "settings changed while connected")

	// IPv6 off with the kill switch off: the tunnel carries IPv4 only and
	// off-link IPv6 is blocked all the same (the always-on IPv6 block).
	mustCLI(t, n, "set", "killswitch", "off")
	mustCLI(t, n, "set", "ipv6", "off")
	n.waitState(t, ipc.Connected, 40*time.Second)
	s = startSweep(t, bed)
	time.Sleep(2 * time.Second)
	s.noLeak(t, "kill switch off, IPv6 off")
	mustCLI(t, n, "set", "ipv6", "on")
	mustCLI(t, n, "set", "killswitch", "auto")
	n.waitState(t, ipc.Connected, 40*time.Second)

	bed.StopServer()
	n.waitState(t, ipc.Reconnecting, 30*time.Second)
	mustCLI(t, n, "set", "killswitch", "always")
	mustCLI(t, n, "set", "killswitch", "auto")
	out, err := n.cli(t, "firewall", "show")
	if err != nil {
		t.Fatalf("firewall show: %v\n%s", err, out)
	}
	if strings.Contains(out, "not engaged") {
		t.Errorf("reconnecting after always and back to auto: kill switch not engaged:\n%s", out)
	}
	if boundEscapes(bed) {
		t.Error("reconnecting after always and back to auto: a socket bound to eth0 reached internet")
	}
}
