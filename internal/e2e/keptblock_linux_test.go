package e2e

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// clientCLI runs the CLI inside the client namespace, where it reads the
// namespace's nftables (the daemon's socket and state directory are on the
// shared file system), and returns its output and exit status.
func (n *node) clientCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := n.bed.Exec(testbed.RoleClient, append([]string{bins.cli, "--socket", n.socket, "--state-dir", n.state}, args...)...)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("palisade %v: %v", args, err)
	}
	if ee != nil {
		return string(out), ee.ExitCode()
	}
	return string(out), 0
}

// expectStatus checks `palisade status` while the service is down.
func (n *node) expectStatus(t *testing.T, when string, code int, want ...string) {
	t.Helper()
	out, got := n.clientCLI(t, "status")
	if got != code {
		t.Errorf("%s: palisade status exit %d, want %d:\n%s", when, got, code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: palisade status lacks %q:\n%s", when, w, out)
		}
	}
}

// A kept block is never a silent mystery: with kill switch always, the
// service killed (no clean stop: the record written when the block engaged
// stays, with the table) and then stopped cleanly (the stop's record) leaves the internet blocked for both
// families, and the CLI says so with the ways out (exit 3); after
// `palisaded cleanup` it says nothing blocks (exit 1) and both families
// reach the internet host again.
func TestKeptBlockExplained(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	n.connect(t, "bed")

	n.daemon.Kill()
	n.expectStatus(t, "after SIGKILL", 3, "Internet blocked: Palisade service not running",
		"The internet is blocked by Palisade's kill switch (IPv4 and IPv6; the local network stays reachable)",
		"killed or crashed", "the block has been in place since", "sudo systemctl start palisaded", "sudo palisaded cleanup")
	// The running service's record is what an ordinary user, who cannot
	// read nftables, is told from.
	if rec, found, err := keptblock.Read(n.state); !found || err != nil || rec.Stop != keptblock.StopNone {
		t.Errorf("after SIGKILL: record %+v found %v (%v), want the running service's (stop none)", rec, found, err)
	}

	n.launch(t)
	if err := n.daemon.Stop(); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	n.expectStatus(t, "after a clean stop", 3, "Internet blocked: Palisade service not running",
		"The internet is blocked by Palisade's kill switch (IPv4 and IPv6; the local network stays reachable)",
		"the service stopped (stop) and kept the block: kill switch always", "sudo palisaded cleanup")
	if fi, err := os.Stat(filepath.Join(n.state, keptblock.File)); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("record: %v, want mode 0644 (users read it)", err)
	}
	if fi, err := os.Stat(n.state); err != nil || fi.Mode().Perm() != 0o711 {
		t.Errorf("state directory: %v, want mode 0711 (users reach the record, list nothing)", err)
	}
	for _, a := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := n.bed.ProbeTCP(ctx, netip.AddrPortFrom(a, testbed.HTTPPort))
		cancel()
		if err == nil {
			t.Errorf("internet %v reachable while the CLI says it is blocked", a)
		}
	}

	n.cleanup(t)
	n.expectStatus(t, "after cleanup", 1, "The Palisade service is not running", "blocks nothing")
	if _, err := os.Stat(filepath.Join(n.state, keptblock.File)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cleanup left the record (%v)", err)
	}
	for _, a := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		waitFor(t, 15*time.Second, "internet "+a.String()+" reachable after cleanup", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err := n.bed.ProbeTCP(ctx, netip.AddrPortFrom(a, testbed.HTTPPort))
			return err == nil
		})
	}
}
