package desktoptest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// TestScreenshotsRealService points the GUI at the real palisaded, connected
// through the test bed's WireGuard server with a mixed IPv4/IPv6 custom DNS
// list, and captures the status and settings views.
func TestScreenshotsRealService(t *testing.T) {
	needDisplay(t)
	bed := testbed.New(t, testbed.Options{}) // skips when not root
	daemon := buildDaemon(t)
	state := t.TempDir()

	// Configure on a private socket first, so the GUI meets the service
	// already connected and with these settings when it comes up on its own.
	private := filepath.Join(t.TempDir(), "setup.sock")
	first := bed.StartDaemon(t, daemon, "run", "--socket", private, "--state-dir", state)
	c := ipc.NewClient(private)
	ctx := context.Background()
	waitService(t, c)
	if _, err := c.Import(ctx, "testbed", bed.ProfileText(testbed.ProfileOptions{})); err != nil {
		t.Fatal(err)
	}
	s, err := c.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.DNS = settings.DNS{Mode: settings.DNSCustom, Custom: []string{testbed.InternetIPv4.String(), testbed.InternetIPv6.String()}}
	if _, err := c.SetSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx, "testbed"); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, c)
	if err := first.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// Restarted on the GUI's socket, the service reconnects by itself.
	bed.StartDaemon(t, daemon, "run", "--socket", socket, "--state-dir", state)
	waitConnected(t, ipc.NewClient(socket))
	// Each test follows the service for its own lifetime.
	onMain(func() {
		gui.Start(t.Context())
		gui.ShowWindow("Status")
	})
	eventually(t, "the GUI to show the real connection", func() bool {
		v := gui.View()
		return v.State == "Connected" && v.IPv4 == "10.64.0.2/32" && v.IPv6 == "fd64::2/128"
	})
	if v := gui.View(); v.DNS != "Custom · 203.0.113.10, 2001:db8:200::10" {
		t.Errorf("DNS line %q does not show the mixed custom list", v.DNS)
	}
	dir := filepath.Join(repoRoot(t), "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // two status pushes give the rates a value
	for _, tab := range []string{"Status", "Settings"} {
		onMain(func() { gui.ShowWindow(tab) })
		time.Sleep(500 * time.Millisecond)
		name := filepath.Join(dir, "gui-real-"+lower(tab)+".png")
		img := capture(t, name)
		t.Logf("wrote %s (%dx%d)", name, img.Bounds().Dx(), img.Bounds().Dy())
	}
}

func waitService(t *testing.T, c *ipc.Client) {
	t.Helper()
	for range 150 {
		if _, err := c.Status(context.Background()); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("palisaded does not answer")
}

func waitConnected(t *testing.T, c *ipc.Client) {
	t.Helper()
	var st ipc.Status
	for range 300 {
		var err error
		if st, err = c.Status(context.Background()); err == nil && st.State == ipc.Connected {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not connected: %+v", st)
}

// buildDaemon builds the real palisaded for a test that runs it in the test bed.
func buildDaemon(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/palisaded").CombinedOutput(); err != nil {
		t.Fatalf("build palisaded: %v\n%s", err, out)
	}
	return filepath.Join(bin, "palisaded")
}
