package winesmoke

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/desktopbed"
	"github.com/palisadevpn/palisade/internal/testenv"
)

// wineTool finds one of Wine's programs: Debian's wine64 package keeps
// them in /usr/lib/wine, other installs put them on PATH.
func wineTool(names ...string) string {
	for _, n := range names {
		for _, p := range []string{filepath.Join("/usr/lib/wine", n), n} {
			if path, err := exec.LookPath(p); err == nil {
				return path
			}
		}
	}
	return ""
}

// env is a test-owned Wine installation: its own prefix, no Mono or Gecko
// prompts, no debug chatter.
type env struct {
	wine, wineserver, prefix string
	// display is a private Xvfb for every Wine process: Wine's desktop
	// process, started by the first program, serves later ones with the
	// display it was started with (none would break the GUI).
	display string
	// x is the test's own connection to display, held for the whole test:
	// it finds the GUI's window, and a lost display shows as its error.
	x *desktopbed.Display
}

func (e env) cmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, e.wine, args...)
	c.Dir = dir
	// Wine's helper processes may hold the output pipes a little longer.
	c.WaitDelay = 10 * time.Second
	c.Env = append(os.Environ(), "WINEPREFIX="+e.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=", "DISPLAY="+e.display)
	return c
}

func build(t *testing.T, out, pkg string, cgo bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	c.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if cgo {
		// Fyne needs cgo; mingw-w64 cross-compiles it. The build cache
		// keeps the C parts, so only the first run pays for them.
		c.Env = append(c.Env, "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc")
	}
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
}

// setup builds the Windows CLI and a Wine prefix that can run it.
// Wine 8 lacks bcryptprimitives.dll, which Go's runtime loads at start
// (ProcessPrng); a tiny stand-in built from testdata with mingw forwards
// it to advapi32!SystemFunction036 and goes into this prefix only.
func setup(t *testing.T) (env, string) {
	e := env{wine: wineTool("wine64", "wine"), wineserver: wineTool("wineserver64", "wineserver")}
	switch {
	case e.wine == "" || e.wineserver == "":
		testenv.Missing(t, "wine not installed (scripts/deps.sh installs wine64)")
	case wineTool("x86_64-w64-mingw32-gcc") == "":
		testenv.Missing(t, "mingw-w64 not installed (scripts/deps.sh installs gcc-mingw-w64-x86-64)")
	}
	for _, tool := range []string{"Xvfb", "import"} {
		testenv.NeedTool(t, tool, "xvfb and imagemagick")
	}
	dir := t.TempDir()
	e.prefix = filepath.Join(dir, "prefix")
	e.display, e.x = startDisplay(t)
	build(t, filepath.Join(dir, "palisade.exe"), "../../cmd/palisade", false)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if b, err := e.cmd(ctx, dir, "wineboot", "-i").CombinedOutput(); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, b)
	}
	t.Cleanup(func() {
		k := exec.Command(e.wineserver, "-k")
		k.Env = append(os.Environ(), "WINEPREFIX="+e.prefix)
		k.Run()
	})
	sys32 := filepath.Join(e.prefix, "drive_c", "windows", "system32")
	dll := filepath.Join(sys32, "bcryptprimitives.dll")
	if _, err := os.Stat(dll); err == nil {
		t.Logf("this Wine has bcryptprimitives.dll; the stand-in is not needed")
		return e, dir
	}
	b, err := exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", dll,
		"testdata/bcryptprimitives.c", "testdata/bcryptprimitives.def", "-ladvapi32").CombinedOutput()
	if err != nil {
		t.Fatalf("build bcryptprimitives.dll: %v\n%s", err, b)
	}
	return e, dir
}

func run(t *testing.T, e env, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var o, er bytes.Buffer
	c := e.cmd(ctx, dir, append([]string{"palisade.exe"}, args...)...)
	c.Stdout, c.Stderr = &o, &er
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("wine palisade.exe %v: %v", args, err)
	}
	return code, o.String(), er.String()
}

// TestWindowsBuildUnderWine runs the Windows CLI and GUI under Wine.
func TestWindowsBuildUnderWine(t *testing.T) {
	e, dir := setup(t)

	t.Run("usage", func(t *testing.T) {
		code, _, stderr := run(t, e, dir)
		if code != 2 || !strings.Contains(stderr, "usage: palisade") || !strings.Contains(stderr, "palisade help COMMAND") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		// The settings' words moved from the usage to 'help set'.
		if code, stdout, stderr := run(t, e, dir, "help", "set"); code != 0 || !strings.Contains(stdout, "killswitch off|auto|always") {
			t.Fatalf("help set: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})

	t.Run("profile check", func(t *testing.T) {
		profile, err := filepath.Abs("../../service/profile/testdata/mullvad.conf")
		if err != nil {
			t.Fatal(err)
		}
		// Wine maps the Unix root to drive Z:.
		code, stdout, stderr := run(t, e, dir, "profile", "check", `Z:`+strings.ReplaceAll(profile, "/", `\`))
		if code != 0 || !strings.Contains(stdout, "[Peer]") || strings.Contains(stdout, "PrivateKey") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		code, _, stderr = run(t, e, dir, "profile", "check", `Z:\nonexistent\bad.conf`)
		if code == 0 || stderr == "" {
			t.Fatalf("a missing profile passed the check: exit %d %q", code, stderr)
		}
	})

	t.Run("service not reachable", func(t *testing.T) {
		// status reports a service that does not answer on stdout (what
		// it means for the connection, the ways out: docs/cli.md).
		code, stdout, stderr := run(t, e, dir, "status")
		if code == 0 || !strings.Contains(stdout, "not reachable") || !strings.Contains(stdout, `\\.\pipe\`) {
			t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})

	t.Run("GUI window", func(t *testing.T) { guiWindow(t, e, dir) })
}

// guiWindow starts the GUI on the private Xvfb display (nothing else draws
// there), waits for its "Palisade" window and saves a screenshot. The
// program started is the tray, palisade-gui.exe (Windows' notification
// area under Wine); the window is palisade-window.exe, which the tray finds
// beside itself and starts, so this runs both as the MSI installs them. Any
// GUI exit or a lost display fails the step.
func guiWindow(t *testing.T, e env, dir string) {
	build(t, filepath.Join(dir, "palisade-gui.exe"), "../../cmd/palisade-gui", false)
	build(t, filepath.Join(dir, "palisade-window.exe"), "../../cmd/palisade-gui/palisade-window", true)
	if err := startGUI(t, e, dir); err != nil {
		t.Fatal(err)
	}
	// Give Fyne a moment to draw the first frame before the screenshot.
	time.Sleep(3 * time.Second)
	shots, err := filepath.Abs("../../build/screenshots")
	if err == nil {
		err = os.MkdirAll(shots, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(shots, "windows-gui-wine.png")
	if b, err := exec.Command("import", "-display", e.display, "-window", "root", png).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	t.Logf("screenshot: %s", png)
}

// startGUI starts palisade-gui.exe and waits, bounded, for its "Palisade"
// window. The GUI keeps running until the test ends.
func startGUI(t *testing.T, e env, dir string) error {
	ctx, cancel := context.WithCancel(context.Background())
	gui := e.cmd(ctx, dir, "palisade-gui.exe")
	var out bytes.Buffer
	gui.Stdout, gui.Stderr = &out, &out
	if err := gui.Start(); err != nil {
		cancel()
		return err
	}
	exited := make(chan struct{})
	go func() {
		gui.Wait()
		close(exited)
	}()
	stop := func() {
		cancel()
		<-exited
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		shown, err := e.x.Mapped("Palisade")
		if err != nil {
			stop()
			return fmt.Errorf("the X display %s went away: %v\nGUI output:\n%s", e.display, err, lastLines(out.String(), 40))
		}
		if shown {
			t.Cleanup(stop)
			return nil
		}
		select {
		case <-exited:
			cancel()
			return fmt.Errorf("the GUI exited before showing its window (%v):\n%s", gui.ProcessState, lastLines(out.String(), 40))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("no Palisade window within 3 minutes; GUI output:\n%s", lastLines(out.String(), 40))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// startDisplay starts a private Xvfb and connects to it. The display
// number is read to the end of its line: Xvfb writes the number and the
// newline separately and exits if the reader is gone by the second write,
// which, with every later Wine window failing on the dead display, was
// this test's intermittent "Failed to create helper window".
func startDisplay(t *testing.T) (string, *desktopbed.Display) {
	display, p, err := desktopbed.StartDisplay()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	x, err := desktopbed.OpenDisplay(display)
	if err != nil {
		t.Fatalf("connect to Xvfb %s: %v", display, err)
	}
	t.Cleanup(x.Close)
	return display, x
}
