package e2e

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// TestCleanupAfterCrashWithAlways is the uninstall path that used to strand
// a PC offline: kill switch always, the service killed so none of its own
// teardown runs, then `palisaded cleanup` as an uninstaller runs it. The
// client must end up exactly as before Palisade ran (rules, routes, links,
// nft ruleset) and reach the internet over both families without a tunnel.
func TestCleanupAfterCrashWithAlways(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	before, err := bed.Snapshot(testbed.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{bed: bed, socket: filepath.Join(t.TempDir(), "palisaded.sock"), state: t.TempDir()}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "set", "killswitch", "always")
	n.connect(t, "bed")
	n.daemon.Kill()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_, err = bed.ProbeTCP(ctx, netip.AddrPortFrom(testbed.InternetIPv4, testbed.HTTPPort))
	cancel()
	if err == nil {
		t.Fatal("internet reachable outside the tunnel before cleanup: the kill switch did not hold")
	}

	n.cleanup(t)
	after, err := bed.Snapshot(testbed.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("cleanup left changes behind:\n--- before\n%s\n--- after\n%s", before, after)
	}
	for _, a := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := bed.ProbeTCP(ctx, netip.AddrPortFrom(a, testbed.HTTPPort))
		cancel()
		if err != nil {
			t.Errorf("internet %v unreachable after cleanup: %v", a, err)
		}
	}
}

// cleanup runs `palisaded cleanup` in the client namespace as an
// uninstaller (or a user lifting a kept block) would. Whatever it writes to
// /etc stays in a private copy of resolv.conf, never the host's.
func (n *node) cleanup(t *testing.T) {
	t.Helper()
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte(testbed.ResolvConf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := n.bed.Exec(testbed.RoleClient, "unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$1" /etc/resolv.conf && shift && exec "$@"`, "sh", resolv, bins.daemon, "cleanup", "--state-dir", n.state)
	if err != nil {
		t.Fatalf("palisaded cleanup: %v\n%s", err, out)
	}
}
