package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// An unprivileged user reads status but every mutating call is refused and
// changes nothing.
func TestUnprivilegedUserIsReadOnly(t *testing.T) {
	n := launchShared(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	before, _ := n.client.Settings(context.Background())

	asNobody := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := asNobodyCmd(ctx, bins.cli, append([]string{"--socket", n.socket}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := asNobody("status", "--json"); err != nil || !strings.Contains(out, `"can_control": false`) {
		t.Fatalf("status as nobody: %v\n%s", err, out)
	}
	// The self-check reads no more than the status: anyone may run it.
	if out, err := asNobody("check", "--json"); err != nil || !strings.Contains(out, `"id": "firewall"`) {
		t.Errorf("check as nobody: %v\n%s", err, out)
	}
	// A flood of checks by nobody runs the probes a bounded number of
	// times: concurrent requests share one run, later ones get its result
	// again for 10 s (docs/selfcheck.md). Before, each request ran them.
	runsBefore := selfCheckRuns(t, n)
	if runsBefore == 0 {
		t.Fatal("the daemon logged no run of the check just made")
	}
	start := time.Now()
	const rounds, perRound = 3, 10
	for range rounds {
		var wg sync.WaitGroup
		for range perRound {
			wg.Go(func() {
				if out, err := asNobody("check", "--json"); err != nil || !strings.Contains(out, `"id": "firewall"`) {
					t.Errorf("check as nobody in a flood: %v\n%s", err, out)
				}
			})
		}
		wg.Wait()
	}
	if runs, bound := selfCheckRuns(t, n)-runsBefore, 1+int(time.Since(start)/(10*time.Second)); runs > bound {
		t.Errorf("%d checks by nobody in %s ran the probes %d times, want at most %d", rounds*perRound, time.Since(start).Round(time.Millisecond), runs, bound)
	}
	for _, args := range [][]string{
		{"connect", "bed"}, {"disconnect"}, {"set", "killswitch", "off"},
		{"profile", "remove", "bed"}, {"profile", "export", "bed"}, {"logs"},
		{"set", "check-outside", "on"},
	} {
		out, err := asNobody(args...)
		if err == nil || !strings.Contains(out, "permission denied") {
			t.Errorf("palisade %s as nobody: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	st, _ := n.client.Status(context.Background())
	after, _ := n.client.Settings(context.Background())
	ps, _ := n.client.Profiles(context.Background())
	if st.State != ipc.Disconnected || after.KillSwitch != before.KillSwitch || len(ps) != 1 {
		t.Errorf("refused calls changed state: %s %s %d profiles", st.State, after.KillSwitch, len(ps))
	}
}

// selfCheckRuns counts the self-check runs the daemon has logged.
func selfCheckRuns(t *testing.T, n *node) int {
	t.Helper()
	b, err := os.ReadFile(n.daemon.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "msg=self-check ")
}

// launchShared builds a bed and starts palisaded on a socket that other users
// can reach (a world-searchable directory), for tests that act as nobody.
func launchShared(t *testing.T) *node {
	t.Helper()
	return launchSharedWith(t, testbed.Options{})
}

// launchSharedWith is launchShared on a bed built with opts.
func launchSharedWith(t *testing.T, opts testbed.Options) *node {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	bed := testbed.New(t, opts)
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	dir, err := os.MkdirTemp("", "palisade-auth-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	os.Chmod(bins.dir, 0o755)
	n := &node{bed: bed, socket: filepath.Join(dir, "run", "palisaded.sock"), state: t.TempDir()}
	n.launch(t)
	return n
}

// asNobodyCmd runs bin as uid and gid 65534 without supplementary groups.
func asNobodyCmd(ctx context.Context, bin string, args ...string) *exec.Cmd {
	return asUIDCmd(ctx, 65534, bin, args...)
}

// asUIDCmd runs bin as uid (and gid) without supplementary groups; the uid
// need not exist in /etc/passwd.
func asUIDCmd(ctx context.Context, uid int, bin string, args ...string) *exec.Cmd {
	id := strconv.Itoa(uid)
	full := append([]string{"--reuid", id, "--regid", id, "--clear-groups", bin}, args...)
	return exec.CommandContext(ctx, "setpriv", full...)
}
