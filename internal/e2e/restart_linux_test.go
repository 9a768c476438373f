package e2e

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// TestUpgradeRestartNoLeak restarts palisaded cleanly while connected with
// the kill switch auto, as a package upgrade does (prerm on upgrade runs
// `palisaded prepare-restart`, postinst `systemctl restart`), probing both
// families without pause: the block must hold from the old process's stop
// to the new one's reconnect.
func TestUpgradeRestartNoLeak(t *testing.T) {
	n := start(t, testbed.Options{}, daemonArgs...)
	outsideBaseline(t, n.bed)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed")
	s := startSweep(t, n.bed)
	time.Sleep(300 * time.Millisecond)
	if out, err := n.daemon.Exec(bins.daemon, "prepare-restart", "--state-dir", n.state); err != nil {
		t.Fatalf("prepare-restart: %v\n%s", err, out)
	}
	if err := n.daemon.Stop(); err != nil {
		t.Fatalf("daemon stop: %v", err)
	}
	time.Sleep(time.Second) // the package manager unpacks the new files
	n.launch(t, daemonArgs...)
	n.waitState(t, ipc.Connected, 40*time.Second)
	s.noLeak(t, "restart for an upgrade")
}
