package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// crashDelays are how long after a connect or disconnect command the
// daemon is killed: from before the session started to after it is set up,
// so the kills land between the firewall, device, routes and DNS steps
// (leftovers records which).
var crashDelays = []time.Duration{0, 20 * time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, time.Second}

// daemonArgs are the short clocks of the crash tests.
var daemonArgs = []string{"--handshake-timeout", "4s", "--stale-after", "6s"}

// TestCrashAtEachStepNoLeak kills palisaded with SIGKILL at every step of a
// connect (armed auto kill switch: a reconnect tears down and brings up
// again) and of a disconnect (kill switch always), and in the middle of a
// reconnect with the server gone, restarting it each time, while both
// families are probed without pause. Nothing may reach internet outside the
// tunnel at any moment: not while the daemon is dead, not while the
// restarted one recovers. Each restart must end connected (or blocked and
// disconnected after a disconnect).
func TestCrashAtEachStepNoLeak(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	outsideBaseline(t, bed)
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir()}
	n.launch(t, daemonArgs...)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	n.connect(t, "bed") // arms the auto kill switch

	var hits []string
	kill := func(step string, d time.Duration, args ...string) {
		t.Helper()
		mustCLI(t, n, args...)
		time.Sleep(d)
		n.daemon.Kill()
		left := leftovers(t, n)
		hits = append(hits, fmt.Sprintf("%-34s %6s  left: %s", step, d, left))
		if !strings.Contains(left, "firewall") {
			t.Errorf("%s, kill after %s: the firewall table is gone (%s)", step, d, left)
		}
		n.launch(t, daemonArgs...)
	}

	s := startSweep(t, bed)
	for _, d := range crashDelays {
		kill("connect (auto, armed)", d, "connect", "bed")
		n.waitState(t, ipc.Connected, 40*time.Second)
	}
	s.noLeak(t, "kills during connect and the restarts after")

	s = startSweep(t, bed)
	bed.StopServer()
	n.waitState(t, ipc.Reconnecting, 30*time.Second)
	kill("reconnecting (server gone)", 0, "status")
	// The restarted daemon reconnects to a server that does not answer:
	// it must hold the block the whole time.
	time.Sleep(3 * time.Second)
	if err := bed.StartServer(); err != nil {
		t.Fatal(err)
	}
	n.waitState(t, ipc.Connected, 60*time.Second)
	s.noLeak(t, "kill while reconnecting and the restart with the server gone")

	mustCLI(t, n, "set", "killswitch", "always")
	s = startSweep(t, bed)
	for _, d := range crashDelays[:3] {
		kill("disconnect (always)", d, "disconnect")
		// Killed before the disconnect was journaled, the restarted
		// daemon reconnects; after, it stays disconnected (and blocked).
		var st ipc.Status
		waitFor(t, 40*time.Second, "connected or disconnected", func() bool {
			var err error
			st, err = n.client.Status(context.Background())
			return err == nil && (st.State == ipc.Connected || st.State == ipc.Disconnected)
		})
		if st.State == ipc.Disconnected {
			n.connect(t, "bed")
		}
	}
	s.noLeak(t, "kills during disconnect with kill switch always")
	report(t, "crash-steps.txt", "kill -9 during connect and disconnect: what the killed daemon left", strings.Join(hits, "\n")+"\n")
}
