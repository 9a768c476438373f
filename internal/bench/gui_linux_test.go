package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/desktopbed"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// cost is one scenario's measurement in one round.
type cost struct {
	cpuPerMin time.Duration // the GUI's CPU time per minute, its processes summed
	rssMB     float64       // the GUI's resident size at the end, summed
	// pssMB is the GUI's proportional set size at the end, summed: resident
	// pages shared with other processes (the tray's and the window's
	// program file, libraries) counted once between them, not in each.
	pssMB float64
	// procs is how many processes the GUI ran at the end; mainCPU,
	// mainRSS and mainPSS are its first one's (palisade-gui's tray
	// process) alone; the others are the window process it started
	// (palisade-window, or for a build from before the split, palisade-gui
	// --window).
	procs            int
	mainCPU          time.Duration
	mainRSS, mainPSS float64
	daemon           time.Duration // palisaded's CPU time per minute, when it runs
	// switchesPerMin is how often the GUI's threads left the CPU, per
	// minute, its processes summed (gui_wakes_linux_test.go); mainSwitches
	// is the first process's alone.
	switchesPerMin, mainSwitches float64
	// pushesPerMin is what each kind of status stream (streamKinds) got
	// per minute meanwhile, when palisaded runs.
	pushesPerMin []float64
}

// desk is the private desktop the GUIs run on.
type desk struct {
	display string
	bus     string
	x       *desktopbed.Display
	watcher *desktopbed.Watcher
	home    string
}

// TestGUIBenchmark measures what the tray app costs while it sits there:
// the real palisade-gui on a private Xvfb (software GL) and session bus,
// against the real palisaded on the test bed, in the states a laptop spends
// its day in; and beside it the smallest Fyne tray app (fynefloor), the floor
// Fyne itself sets. Each round starts fresh processes; medians are reported.
// PALISADE_GUI_COMPARE lists other palisade-gui builds to measure in the
// same rounds, as name=path,name=path (say, the one before a change), for a
// comparison under the same conditions.
func TestGUIBenchmark(t *testing.T) {
	if os.Getenv("PALISADE_BENCH") != "1" {
		t.Skip("runs through `make bench` (PALISADE_BENCH=1)")
	}
	rounds := envInt("PALISADE_GUI_ROUNDS", 3)
	secs := envInt("PALISADE_GUI_SECONDS", 30)
	bin := os.Getenv("PALISADE_BIN")
	guis := [][2]string{{"palisade-gui", filepath.Join(bin, "palisade-gui")}}
	for _, c := range strings.Split(os.Getenv("PALISADE_GUI_COMPARE"), ",") {
		if name, path, ok := strings.Cut(c, "="); ok {
			guis = append(guis, [2]string{name, path})
		}
	}
	d := startDesk(t)
	bed := testbed.New(t, testbed.Options{})
	p := startPalisaded(t, bed, bin)
	results := map[string][]cost{}
	var order []string
	add := func(name string, c cost) {
		if _, ok := results[name]; !ok {
			order = append(order, name)
		}
		results[name] = append(results[name], c)
		fmt.Printf("  %-44s %7.1f ms CPU/min %6.0f switches/min %6.1f MB (PSS %5.1f) in %d processes (the first: %.1f ms/min, %.0f switches/min, %.1f MB, PSS %.1f)%s\n",
			name, ms(c.cpuPerMin), c.switchesPerMin, c.rssMB, c.pssMB, c.procs, ms(c.mainCPU), c.mainSwitches, c.mainRSS, c.mainPSS, pushesText(c.pushesPerMin))
	}
	for r := range rounds {
		fmt.Printf("round %d\n", r+1)
		for k := range guis {
			gui := guis[(r+k)%len(guis)] // alternate which one goes first
			guiRound(t, d, bed, p, gui[0], gui[1], secs, 4+2*(r%2), add)
		}
		floorRound(t, d, bin, secs, add)
	}
	fmt.Printf("\n%d rounds, %d s per measurement; medians (range). CPU is user+system time per minute\n", rounds, secs)
	fmt.Printf("of wall time (600 ms/min is 1 %% of a core); RSS is the resident size at the end,\n")
	fmt.Printf("PSS the same with pages shared between processes divided among them; switches are\n")
	fmt.Printf("context switches (voluntary and not) per minute, the GUI's wake-ups; pushes per minute\n")
	fmt.Printf("of the status streams meanwhile (plain, changes=only, changes=rates).\n")
	fmt.Printf("%-44s %22s %22s %22s %22s %22s %22s %22s %22s %18s %s\n", "scenario", "GUI CPU ms/min", "GUI switches/min", "GUI RSS MB", "GUI PSS MB",
		"first process ms/min", "first switches/min", "first process MB", "first process PSS MB", "palisaded ms/min", "pushes/min")
	for _, name := range order {
		cs := results[name]
		daemon := ""
		if cs[0].daemon > 0 {
			daemon = fmt.Sprintf("%.1f", medianCost(cs, func(c cost) float64 { return ms(c.daemon) }))
		}
		var pushes []float64
		for i := range cs[0].pushesPerMin {
			pushes = append(pushes, medianCost(cs, func(c cost) float64 { return c.pushesPerMin[i] }))
		}
		fmt.Printf("%-44s %22s %22s %22s %22s %22s %22s %22s %22s %18s %s\n", name,
			spread(cs, func(c cost) float64 { return ms(c.cpuPerMin) }),
			spread(cs, func(c cost) float64 { return c.switchesPerMin }),
			spread(cs, func(c cost) float64 { return c.rssMB }),
			spread(cs, func(c cost) float64 { return c.pssMB }),
			spread(cs, func(c cost) float64 { return ms(c.mainCPU) }),
			spread(cs, func(c cost) float64 { return c.mainSwitches }),
			spread(cs, func(c cost) float64 { return c.mainRSS }),
			spread(cs, func(c cost) float64 { return c.mainPSS }), daemon, pushesText(pushes))
	}
}

// guiRound runs palisade-gui through the four states: window open while
// connected and idle, then with traffic flowing, then closed to the tray,
// then open again (from the tray menu) while disconnected.
func guiRound(t *testing.T, d *desk, bed *testbed.Bed, p *palisaded, name, bin string, secs, family int, add func(string, cost)) {
	daemon, down := p.connect(t, settings.KillSwitchAuto)
	gui, item := d.start(t, "Palisade", bin, "--socket", p.socket)
	defer gui.stop(t)
	time.Sleep(5 * time.Second) // start-up: fonts, the first status, the profiles
	add(name+": window open, connected, idle", measureGUI(t, gui, daemon, p.client, secs))

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+60)*time.Second)
	defer cancel()
	traffic := make(chan error, 1)
	go func() { _, err := bed.IperfAt(ctx, family, secs+4, 20); traffic <- err }()
	time.Sleep(2 * time.Second)
	fmt.Printf("  (traffic: iperf3 at 20 Mbit/s over IPv%d)\n", family)
	add(name+": window open, traffic flowing", measureGUI(t, gui, daemon, p.client, secs))
	if err := <-traffic; err != nil {
		t.Fatalf("traffic: %v", err)
	}

	d.closeWindow(t, "Palisade")
	add(name+": window closed (tray only)", measureGUI(t, gui, daemon, p.client, secs))

	down()
	d.showFromTray(t, item, "Disconnected")
	time.Sleep(3 * time.Second)
	add(name+": window open, disconnected", measureGUI(t, gui, daemon, p.client, secs))
}

// floorRound runs fynefloor: its window open, open with a label changing
// every second, and closed to the tray.
func floorRound(t *testing.T, d *desk, bin string, secs int, add func(string, cost)) {
	floor := filepath.Join(bin, "fynefloor")
	ticking, _ := d.start(t, "Fyne floor", floor, "-tick")
	time.Sleep(3 * time.Second)
	add("fynefloor: window open, label changing 1/s", measureGUI(t, ticking, 0, nil, secs))
	ticking.stop(t)

	idle, _ := d.start(t, "Fyne floor", floor)
	defer idle.stop(t)
	time.Sleep(3 * time.Second)
	add("fynefloor: window open, idle", measureGUI(t, idle, 0, nil, secs))
	d.closeWindow(t, "Fyne floor")
	add("fynefloor: window closed (tray only)", measureGUI(t, idle, 0, nil, secs))
}

// measureGUI measures the GUI (and the daemon, if pid > 0, and the pushes
// of its status streams, if client is not nil) for secs: the process it
// started and its children (palisade-gui's window process), which must be
// the same at the start and the end.
func measureGUI(t *testing.T, gui *guiProc, daemonPid int, client *ipc.Client, secs int) cost {
	t.Helper()
	pid := gui.cmd.Process.Pid
	procs := append([]int{pid}, desktopbed.Children(pid)...)
	var pushes *pushCounter
	if client != nil {
		pushes = countPushes(client)
	}
	begin := time.Now()
	cpu0 := make([]time.Duration, len(procs))
	sw0 := make([]int64, len(procs))
	for i, p := range procs {
		cpu0[i], sw0[i] = preciseCPU(t, p), switches(t, p)
	}
	var d0 time.Duration
	if daemonPid > 0 {
		d0 = preciseCPU(t, daemonPid)
	}
	time.Sleep(time.Duration(secs) * time.Second)
	elapsed := time.Since(begin)
	perMin := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(time.Minute) / float64(elapsed))
	}
	countPerMin := func(n int64) float64 { return float64(n) * float64(time.Minute) / float64(elapsed) }
	c := cost{procs: len(procs)}
	if now := append([]int{pid}, desktopbed.Children(pid)...); !slices.Equal(now, procs) {
		t.Fatalf("the GUI's processes changed while measured: %v, then %v", procs, now)
	}
	for i, p := range procs {
		cpu, mb := perMin(preciseCPU(t, p)-cpu0[i]), memKB(t, p, "status", "VmRSS:")
		sw := countPerMin(switches(t, p) - sw0[i])
		c.cpuPerMin += cpu
		c.switchesPerMin += sw
		c.rssMB += mb
		pss := memKB(t, p, "smaps_rollup", "Pss:")
		c.pssMB += pss
		if i == 0 {
			c.mainCPU, c.mainRSS, c.mainPSS, c.mainSwitches = cpu, mb, pss, sw
		}
	}
	if daemonPid > 0 {
		c.daemon = perMin(preciseCPU(t, daemonPid) - d0)
	}
	if pushes != nil {
		counts, err := pushes.stop()
		if err != nil {
			// Not fatal: the CPU and memory figures of the round still hold.
			fmt.Printf("  (pushes miscounted, a stream broke: %v)\n", err)
		}
		for _, n := range counts {
			c.pushesPerMin = append(c.pushesPerMin, countPerMin(n))
		}
	}
	return c
}

// preciseCPU is the time a process's threads spent on a CPU, summed over
// /proc/PID/task/*/schedstat (nanoseconds, where /proc/PID/stat counts in
// 10 ms ticks, too coarse for an idle tray app).
func preciseCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("process %d: no schedstat (%v)", pid, err)
	}
	var sum time.Duration
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that just ended
		}
		ns, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sum += time.Duration(ns)
	}
	return sum
}

// memKB reads a process's memory figure from /proc/PID/file: the line
// starting with key, in kB; it returns MB.
func memKB(t *testing.T, pid int, file, key string) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("%s %q: %v", key, rest, err)
			}
			return float64(kb) / 1024
		}
	}
	t.Fatalf("process %d: no %s in %s", pid, key, file)
	return 0
}

func startDesk(t *testing.T) *desk {
	display, xp, err := desktopbed.StartDisplay()
	if err != nil {
		t.Fatalf("display: %v", err)
	}
	t.Cleanup(xp.Stop)
	bus, bp, err := desktopbed.StartBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(bp.Stop)
	x, err := desktopbed.OpenDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	w, err := desktopbed.NewWatcher(bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return &desk{display: display, bus: bus, x: x, watcher: w, home: t.TempDir()}
}

// guiProc is a GUI process on the private desktop.
type guiProc struct {
	cmd *exec.Cmd
	log string
}

// start runs a GUI program with its window titled title, and waits for the
// window to show and the tray icon to register.
func (d *desk) start(t *testing.T, title, bin string, args ...string) (*guiProc, desktopbed.Item) {
	t.Helper()
	log, err := os.CreateTemp(t.TempDir(), "gui-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "DISPLAY="+d.display, "DBUS_SESSION_BUS_ADDRESS="+d.bus,
		"HOME="+d.home, "XDG_CONFIG_HOME="+filepath.Join(d.home, ".config"), "FYNE_SCALE=1", "LIBGL_ALWAYS_SOFTWARE=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &guiProc{cmd: cmd, log: log.Name()}
	item, err := d.watcher.NextFrom(cmd.Process.Pid, 30*time.Second)
	if err != nil {
		g.stop(t)
		t.Fatalf("%s: %v", bin, err)
	}
	d.waitMapped(t, title, true)
	return g, item
}

// stop ends the GUI as a logout does and waits for it.
func (g *guiProc) stop(t *testing.T) {
	if g.cmd.ProcessState != nil {
		return
	}
	g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- g.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		g.cmd.Process.Kill()
		<-done
		out, _ := os.ReadFile(g.log)
		t.Errorf("GUI did not end within 10 s of SIGTERM; log:\n%s", out)
	}
}

// showFromTray picks "Open Palisade" in the tray menu once the menu shows
// state, and waits for the window. The menu is rebuilt on state changes,
// and a click that raced a rebuild lands on an entry that is gone, so it
// waits for the new menu and tries up to three times.
func (d *desk) showFromTray(t *testing.T, item desktopbed.Item, state string) {
	t.Helper()
	open := "Open Palisade"
	for range 50 {
		entries, err := d.watcher.Menu(item)
		if err == nil && len(entries) > 0 && strings.HasPrefix(entries[0].Label, state) {
			if !slices.ContainsFunc(entries, func(e desktopbed.MenuEntry) bool { return e.Label == open }) {
				open = "Show window" // a build from before the tray process
			}
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	for range 3 {
		if err := d.watcher.Click(item, open); err != nil {
			t.Logf("tray menu: %v", err)
		}
		for range 50 {
			if mapped, err := d.x.Mapped("Palisade"); err == nil && mapped {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Fatal("the window did not show from the tray menu")
}

func (d *desk) closeWindow(t *testing.T, title string) {
	t.Helper()
	if err := d.x.CloseWindow(title); err != nil {
		t.Fatalf("close %q: %v", title, err)
	}
	d.waitMapped(t, title, false)
	time.Sleep(3 * time.Second)
}

func (d *desk) waitMapped(t *testing.T, title string, want bool) {
	t.Helper()
	for range 300 {
		mapped, err := d.x.Mapped(title)
		if err != nil {
			t.Fatal(err)
		}
		if mapped == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("window %q mapped=%v not reached within 30 s", title, want)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func medianCost(cs []cost, f func(cost) float64) float64 {
	var v []float64
	for _, c := range cs {
		v = append(v, f(c))
	}
	return medianOf(v)
}

// spread is the median and the range of a measure over the rounds.
func spread(cs []cost, f func(cost) float64) string {
	lo, hi := f(cs[0]), f(cs[0])
	for _, c := range cs {
		lo, hi = min(lo, f(c)), max(hi, f(c))
	}
	return fmt.Sprintf("%.1f (%.1f–%.1f)", medianCost(cs, f), lo, hi)
}
