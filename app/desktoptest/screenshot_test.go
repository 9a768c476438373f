package desktoptest

import (
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// connected is the tests' dual-stack state (fakeservice.Connected) on
// today's clock, with the larger counters and the DNS manager the
// screenshots show.
func connected() ipc.Status {
	st := fakeservice.Connected()
	hs := time.Now().Add(-7 * time.Second)
	st.Since, st.LastHandshake = time.Now().Add(-3*time.Minute), &hs
	st.RxBytes, st.TxBytes = 48<<20, 3<<20
	st.DNS.Manager = "systemd-resolved"
	return st
}

// mixedDNS are settings as the pane shows them while the user is typing: one
// IPv4, one IPv6 and one invalid entry. The fake hands them out as they are
// so the pane starts in that state.
func mixedDNS() settings.Settings {
	s := settings.Default()
	s.DNS = settings.DNS{Mode: settings.DNSCustom, Custom: []string{"1.1.1.1", "2606:4700:4700::1111", "1.1.1.300"}}
	return s
}

func TestScreenshots(t *testing.T) {
	needDisplay(t)
	dir := filepath.Join(repoRoot(t), "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// First without a service: the window must say so and how to start it.
	onMain(func() {
		gui.Start(t.Context())
		gui.ShowWindow("Status")
	})
	eventually(t, "the service-down view", func() bool { return !gui.View().ServiceUp && gui.View().State == "Service not running" })
	capture(t, filepath.Join(dir, "gui-service-down.png"))

	fake := fakeservice.StartAt(t, socket, connected(), mixedDNS(), []ipc.ProfileInfo{
		{Name: "home", Addresses: []string{"10.7.0.2/32"}, Endpoints: []string{"[2001:db8::1]:51820"}, Peers: 1},
		{Name: "work", Addresses: []string{"10.64.0.2/32", "fd64::2/128"}, Endpoints: []string{"198.51.100.2:51820"}, Peers: 1, LastUsed: true},
	})
	eventually(t, "the connected view", func() bool { return gui.View().State == "Connected" })
	if v := gui.View(); v.IPv4 != "10.64.0.2/32" || v.IPv6 != "fd64::2/128" || v.DNS != "Tunnel · 10.64.0.1, fd64::1" {
		t.Errorf("connected view: %+v", v)
	}
	eventually(t, "the GUI to load settings and profiles", func() bool {
		calls := fake.Calls()
		return slices.Contains(calls, "GET "+ipc.PathSettings) && slices.Contains(calls, "GET "+ipc.PathProfiles)
	})
	// A second push a few seconds later gives the rates something to show.
	time.Sleep(1500 * time.Millisecond)
	st := connected()
	st.RxBytes += 2_400_000
	st.TxBytes += 180_000
	fake.Push(st)

	for _, tab := range []string{"Status", "Settings", "Profiles"} {
		onMain(func() { gui.ShowWindow(tab) })
		name := filepath.Join(dir, "gui-"+lower(tab)+".png")
		// Let the tab switch draw before grabbing.
		time.Sleep(500 * time.Millisecond)
		img := capture(t, name)
		t.Logf("wrote %s (%dx%d)", name, img.Bounds().Dx(), img.Bounds().Dy())
	}
}

// capture grabs the window once it has been drawn with content. The GL
// canvas' own Capture reads the front buffer, which Xvfb leaves empty, so the
// X server is asked for the window's pixels instead (ImageMagick's import).
func capture(t *testing.T, name string) image.Image {
	t.Helper()
	imp, err := exec.LookPath("import")
	if err != nil {
		t.Skip("ImageMagick's import is not installed")
	}
	for range 50 {
		time.Sleep(300 * time.Millisecond)
		out, err := exec.Command(imp, "-window", gui.Window().Title(), name).CombinedOutput()
		if err != nil {
			t.Logf("import: %v: %s", err, out)
			continue
		}
		img := readPNG(t, name)
		if colours(img) > 8 {
			return img
		}
	}
	t.Fatal("the window never showed content")
	return nil
}

func readPNG(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// colours counts distinct colours on a sparse grid, enough to tell a drawn
// window from a blank one.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

func lower(s string) string {
	b := []byte(s)
	if len(b) > 0 && b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// repoRoot walks up from the test's directory to the one holding go.mod.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("go.mod not found above the test directory")
	return ""
}
