package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/auth"
)

// Uids of TestLoggedInUserGetsPastManyUIDs: one logged in, the flooders'
// (as a user namespace maps them) and one more without a session.
const (
	sessionUID    = 4242
	floodBaseUID  = 200000
	strangerUID   = 200100
	floodUIDCount = 8
)

// Eight uids without a login session (a user namespace's) take all 128
// shared connections of unprivileged users; a uid without a session is
// then refused, but a logged-in user (a uid logind tracks) still reads its
// status, from the session reserve (docs/security.md). Before the reserve,
// the logged-in user was refused too.
func TestLoggedInUserGetsPastManyUIDs(t *testing.T) {
	if fi, err := os.Stat("/run/systemd/users"); err != nil || !fi.IsDir() {
		t.Skip("no /run/systemd/users (systemd-logind) to mount the test's sessions over")
	}
	if perUID := auth.DefaultLimits.PerUID; perUID*floodUIDCount != auth.DefaultLimits.Unprivileged {
		t.Fatalf("%d uids × %d connections do not fill the %d shared ones", floodUIDCount, perUID, auth.DefaultLimits.Unprivileged)
	}
	n := launchSharedWith(t, testbed.Options{DaemonSessions: []int{sessionUID}})
	flooder := copyTestBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := range floodUIDCount {
		fl := startFlooder(t, ctx, floodBaseUID+i, flooder, n.socket, auth.DefaultLimits.PerUID, 0)
		t.Cleanup(func() {
			fl.stdin.Close()
			fl.cmd.Wait()
		})
		if ready := readLine(t, fl.lines, time.Minute); !strings.HasPrefix(ready, "ready ") {
			t.Fatalf("flooder uid %d: %q\n%s", floodBaseUID+i, ready, fl.stderr.String())
		}
	}
	status := func(uid int) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := asUIDCmd(ctx, uid, bins.cli, "--socket", n.socket, "status", "--json").CombinedOutput()
		return string(out), err
	}
	// The streams are admitted as the service accepts them: wait until a
	// uid without a session is refused.
	var out string
	waitFor(t, 30*time.Second, "a uid without a session refused", func() bool {
		var err error
		out, err = status(strangerUID)
		return err != nil && strings.Contains(out, "refused")
	})
	t.Logf("uid %d: %s", strangerUID, strings.TrimSpace(out))
	if !strings.Contains(out, "kept for logged-in users") {
		t.Errorf("the refusal does not say the rest is kept for logged-in users: %s", out)
	}
	out, err := status(sessionUID)
	if err != nil || !strings.Contains(out, `"can_control": false`) {
		t.Errorf("the logged-in uid %d during the flood: %v\n%s", sessionUID, err, out)
	}
}
