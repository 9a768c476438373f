package winesmoke

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	for _, tool := range []string{"Xvfb", "xwininfo", "import"} {
		testenv.NeedTool(t, tool, "xvfb, x11-utils and imagemagick")
	}
	dir := t.TempDir()
	e.prefix = filepath.Join(dir, "prefix")
	e.display = startXvfb(t)
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
		if code != 2 || !strings.Contains(stderr, "usage: palisade") || !strings.Contains(stderr, "killswitch off|auto|always") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
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
		code, _, stderr := run(t, e, dir, "status")
		if code == 0 || !strings.Contains(stderr, "not reachable") || !strings.Contains(stderr, `\\.\pipe\`) {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})

	t.Run("GUI window", func(t *testing.T) { guiWindow(t, e, dir) })
}

// guiWindow starts the GUI on the private Xvfb display (nothing else draws
// there), waits for its "Palisade" window and saves a screenshot.
func guiWindow(t *testing.T, e env, dir string) {
	build(t, filepath.Join(dir, "palisade-gui.exe"), "../../cmd/palisade-gui", true)
	display := e.display
	// Wine 8 sometimes fails a program's first window ("Failed to create
	// helper window: Resource data not found"), most often while the
	// wineserver left by the CLI runs shuts down, but not only then (about
	// one start in three here, and then often on every retry). That is
	// Wine's, not ours: wait for the wineserver to be gone and try again,
	// a bounded number of times; if Wine still cannot make the window the
	// step is skipped with that reason. Any other exit fails.
	var err error
	for attempt := 1; attempt <= guiAttempts; attempt++ {
		waitWineserver(t, e)
		if err = startGUI(t, e, dir, display); err == nil || !strings.Contains(err.Error(), wineWindowFlake) {
			break
		}
		t.Logf("attempt %d: Wine could not create the GUI's first window; trying again", attempt)
	}
	if err != nil && strings.Contains(err.Error(), wineWindowFlake) {
		t.Skipf("Wine 8 could not create the GUI's first window in %d attempts (%q); the GUI's start-up up to its first window did run", guiAttempts, wineWindowFlake)
	}
	if err != nil {
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
	if b, err := exec.Command("import", "-display", display, "-window", "root", png).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	t.Logf("screenshot: %s", png)
}

// guiAttempts bounds the GUI starts that Wine's window flake may cost.
const guiAttempts = 3

// wineWindowFlake is what Wine 8's GLFW reports when it intermittently
// cannot create a program's first (helper) window.
const wineWindowFlake = "Failed to create helper window"

// waitWineserver waits, bounded, for the prefix's wineserver to exit, so
// the next program starts a fresh one.
func waitWineserver(t *testing.T, e env) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws := exec.CommandContext(ctx, e.wineserver, "-w")
	ws.Env = append(os.Environ(), "WINEPREFIX="+e.prefix)
	if err := ws.Run(); err != nil {
		t.Fatalf("wineserver -w: %v", err)
	}
}

// startGUI starts palisade-gui.exe and waits, bounded, for its "Palisade"
// window. The GUI keeps running until the test ends.
func startGUI(t *testing.T, e env, dir, display string) error {
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
		tree, _ := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
		if bytes.Contains(tree, []byte(`"Palisade"`)) {
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
			return fmt.Errorf("no Palisade window within 3 minutes; windows:\n%s\nGUI output:\n%s", tree, lastLines(out.String(), 40))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// startXvfb starts a private X server and returns its display name.
func startXvfb(t *testing.T) string {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		x.Process.Kill()
		x.Wait()
	})
	num := make(chan string, 1)
	go func() {
		b := make([]byte, 16)
		n, _ := r.Read(b)
		num <- strings.TrimSpace(string(b[:n]))
		r.Close()
	}()
	select {
	case s := <-num:
		if _, err := strconv.Atoi(s); err != nil {
			t.Fatalf("Xvfb display number %q", s)
		}
		return ":" + s
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not report its display within 30 s")
	}
	return ""
}
