package desktoptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// TestScreenshotsRealFeatures points the GUI at the real palisaded in the
// test bed from a fresh install and captures: the first-run window, the
// rate graph while iperf3 pushes traffic through the tunnel, the Logs tab
// following the real service log, and the self-check report (outside test
// on, asking the bed's "what is my IP" service).
func TestScreenshotsRealFeatures(t *testing.T) {
	needDisplay(t)
	bed := testbed.New(t, testbed.Options{}) // skips when not root
	bed.StartDaemon(t, buildDaemon(t), "run", "--socket", socket, "--state-dir", t.TempDir())
	c := ipc.NewClient(socket)
	ctx := context.Background()
	waitService(t, c)
	onMain(func() {
		gui.Start(t.Context())
		gui.ShowWindow("Status")
	})
	dir := filepath.Join(repoRoot(t), "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) {
		t.Helper()
		time.Sleep(500 * time.Millisecond)
		path := filepath.Join(dir, name)
		img := capture(t, path)
		t.Logf("wrote %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
	}

	eventually(t, "the first-run greeting", func() bool { return gui.View().ServiceUp && gui.FirstRunShown() })
	shot("gui-real-first-run.png")

	if _, err := c.Import(ctx, "testbed", bed.ProfileText(testbed.ProfileOptions{})); err != nil {
		t.Fatal(err)
	}
	s, err := c.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Check.Outside = true
	s.Check.URL = fmt.Sprintf("http://%s:%d/", strings.TrimSuffix(testbed.IPName, "."), testbed.IPPort)
	if _, err := c.SetSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx, "testbed"); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, c)
	eventually(t, "the GUI connected", func() bool { return gui.View().State == "Connected" && !gui.FirstRunShown() })

	// Traffic of changing rate over both families fills the graph.
	done := make(chan error, 1)
	go func() {
		var errs []string
		for _, run := range []struct{ family, seconds, mbit int }{{4, 4, 40}, {6, 3, 15}, {4, 3, 25}} {
			if _, err := bed.IperfAt(ctx, run.family, run.seconds, run.mbit); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			done <- fmt.Errorf("iperf: %s", strings.Join(errs, "; "))
		}
		close(done)
	}()
	time.Sleep(9 * time.Second)
	shot("gui-real-rates.png")
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	onMain(func() { gui.ShowWindow("Logs") })
	eventually(t, "the service log in the Logs tab", func() bool {
		return strings.Contains(gui.LogText(), "self-check") || strings.Contains(gui.LogText(), "state from=connecting to=connected")
	})
	shot("gui-real-logs.png")

	onMain(func() {
		gui.ShowWindow("Status")
		gui.RunCheck()
	})
	eventually(t, "the self-check report", func() bool { return len(gui.LastCheck().Items) > 0 })
	if r := gui.LastCheck(); r.Worst() != ipc.CheckOK {
		t.Errorf("self-check of a healthy connection is %s: %+v", r.Worst(), r.Items)
	}
	shot("gui-real-check.png")
	// The next tests share the window.
	onMain(gui.HideCheck)
}
