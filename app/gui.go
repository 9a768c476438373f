// Package app is Palisade's window: the tunnel's status, the settings, the
// profiles, the split tunnel and the logs, a Fyne app run in a process of
// its own (RunWindow) that the tray process (package app/tray) starts on
// demand. It talks to the service only over IPC and follows the service's
// pushed status stream.
//
// The decisions (status → View, errors in plain words, DNS entry checks,
// rates) are plain Go values, in package app/view where the tray shares
// them, tested without a display; the Fyne widgets only render them.
package app

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// GUI is the running window.
type GUI struct {
	fyne   fyne.App
	client *ipc.Client
	goos   string
	// look tells, while the service does not answer, whether its kill
	// switch still blocks (keptblock.Look); nil: it is not asked.
	look func() keptblock.Finding

	win      fyne.Window
	tabs     *container.AppTabs
	status   *statusPane
	settings *settingsPane
	profiles *profilesPane
	logs     *logsPane
	split    *splitPane
	// unseen holds the panes of the tabs not shown yet, put in on first show.
	unseen map[string]fyne.CanvasObject
	// width keeps the window as wide as its widest pane from the start.
	width *atLeastWide

	last     ipc.Status
	haveLast bool
	up       bool
	view     view.View
	rates    RateMeter
	list     []ipc.ProfileInfo
	// listed: the profile list has been read since the service came up.
	listed    bool
	queue     statusQueue
	lastCheck ipc.CheckReport
	// checkDialog shows lastCheck; nil when closed by HideCheck.
	checkDialog dialog.Dialog

	// shown tells whether the window is on screen. While it is not (before
	// it first shows, or once it is closing), pushes update only the view,
	// and stale records that the panes are behind, to be brought up to date
	// when the window shows.
	shown bool
	stale bool

	// do runs UI work on the UI thread; tests swap it for a queue they drain.
	do func(func())
	// now and after are the window's clock (windowclock.go), which tests
	// replace; cancelWake stops the one timer armed, viewAt is the time the
	// view was made for.
	now        func() time.Time
	after      func(time.Duration, func()) func()
	cancelWake func()
	viewAt     time.Time
}

// New builds the window, hidden until ShowWindow.
func New(a fyne.App, client *ipc.Client) *GUI {
	dropEmojiFace()
	g := &GUI{fyne: a, client: client, goos: runtime.GOOS, do: fyne.Do, now: time.Now, after: afterFunc}
	g.win = a.NewWindow("Palisade")
	g.status = newStatusPane(g)
	g.settings = newSettingsPane(g)
	g.profiles = newProfilesPane(g)
	g.logs = newLogsPane(g)
	g.split = newSplitPane(g)
	g.tabs = container.NewAppTabs(
		container.NewTabItem("Status", g.status.root),
		g.lazyTab("Settings", g.settings.root),
		g.lazyTab("Profiles", g.profiles.root),
		g.lazyTab("Split tunnel", g.split.root),
		g.lazyTab("Logs", g.logs.root),
	)
	g.tabs.OnSelected = g.tabShown
	g.width = &atLeastWide{}
	g.measureWidth()
	g.win.SetContent(container.New(g.width, g.tabs))
	g.win.SetOnDropped(g.dropped)
	a.Settings().AddListener(func(fyne.Settings) { g.do(g.themeChanged) })
	g.win.Resize(fyne.NewSize(560, 700))
	g.render(view.WaitingView())
	return g
}

// Start follows the service's status until ctx ends, without the idle
// tunnel's counter pushes (windowclock.go). Pushes wait in a queue that
// coalesces them, so the UI thread handles at most one render per state
// however far it fell behind.
func (g *GUI) Start(ctx context.Context) {
	go view.Follow(ctx, rateStream{g.client},
		func(st ipc.Status) {
			if g.queue.push(st, time.Now()) {
				g.do(g.applyQueued)
			}
		},
		func(err error) {
			// Looked up here, off the UI thread: it reads a file and the
			// packet filter.
			var f keptblock.Finding
			if g.look != nil {
				f = g.look()
			}
			g.do(func() { g.down(err, f) })
		})
}

// applyQueued applies the statuses that arrived since the last call.
func (g *GUI) applyQueued() {
	for _, s := range g.queue.take() {
		g.apply(s.st, s.at)
	}
}

// View returns what the window currently shows.
func (g *GUI) View() view.View { return g.view }

// Window returns the main window.
func (g *GUI) Window() fyne.Window { return g.win }

// ShowWindow shows the window on the named tab ("Status", "Settings",
// "Profiles"), or on the tab it had when tab is "".
func (g *GUI) ShowWindow(tab string) {
	if !g.shown {
		g.shown = true
		if g.stale {
			g.paint()
		}
	}
	for _, it := range g.tabs.Items {
		if it.Text == tab {
			g.tabs.Select(it)
		}
	}
	if g.onTab("Logs") && g.logs.stop == nil {
		g.logs.start() // closed on the Logs tab: follow again
	}
	g.win.Show()
	g.win.RequestFocus()
}

// closeWindow ends the window process, whose memory goes back with it (the
// tray is another process): the window goes at once, the log stream ends,
// and the app quits.
func (g *GUI) closeWindow() {
	g.shown = false
	g.win.Hide()
	g.logs.release() // the log is followed only while on screen
	g.fyne.Quit()
}

// apply renders a status pushed by the service.
func (g *GUI) apply(st ipc.Status, now time.Time) {
	cameUp := !g.up
	g.up = true
	// Counters that went down belong to a new tunnel: its graph starts empty.
	newTunnel := g.haveLast && (st.RxBytes < g.last.RxBytes || st.TxBytes < g.last.TxBytes)
	if st.State != ipc.Connected && st.State != ipc.Reconnecting || newTunnel {
		g.status.graph.clear()
	}
	if st.State != ipc.Connected && st.State != ipc.Reconnecting {
		g.rates.Reset()
	} else if rx, tx, ok := g.rates.Sample(now, st.RxBytes, st.TxBytes); ok {
		g.status.graph.add(now, rx, tx, st.RxBytes, st.TxBytes)
	} else {
		g.status.graph.hold(now, st.RxBytes, st.TxBytes)
	}
	stateChanged := !g.haveLast || g.last.State != st.State || g.last.Profile != st.Profile
	g.last, g.haveLast = st, true
	g.viewAt = now
	g.render(view.NewView(st, now))
	g.rearm()
	if cameUp {
		g.settings.load()
		g.split.load()
	}
	if cameUp || stateChanged {
		g.profiles.load()
	}
}

// down renders the service being unreachable.
func (g *GUI) down(err error, f keptblock.Finding) {
	if g.up {
		slog.Info("service lost", "err", err)
	}
	g.up = false
	g.haveLast = false
	g.listed = false
	g.profiles.unreadable(err)
	g.rates.Reset()
	g.status.graph.clear()
	g.render(view.KeptBlockView(err, g.goos, f, time.Local))
	g.rearm()
}

// render shows v in the panes while the window is on screen.
func (g *GUI) render(v view.View) {
	g.view = v
	if !g.shown {
		g.stale = true
		return
	}
	g.paint()
}

// paint brings the panes up to date with the view; each widget is touched
// only when what it shows changed.
func (g *GUI) paint() {
	g.stale = false
	g.status.update(g.view)
	g.status.setChoice(ChooseProfile(g.list, g.last, g.status.picked), g.view)
	g.status.setFirstRun(FirstRun(g.view, g.listed, g.list))
	if g.onTab("Status") {
		g.status.graph.show()
	}
	g.settings.setControl(g.view)
	g.profiles.setControl(g.view)
	g.split.update(g.last, g.view)
}

// setProfiles records the stored profiles for the profile picker.
func (g *GUI) setProfiles(list []ipc.ProfileInfo) {
	g.list, g.listed = list, true
	if g.shown {
		g.paint()
	} else {
		g.stale = true
	}
}

// act runs the view's action: connect or disconnect.
func (g *GUI) act(a view.Action, profile string) {
	call := view.ActionCall(g.client, a, profile)
	if call == nil {
		return
	}
	g.async(call, func(err error) {
		if err != nil {
			g.status.showRefusal(view.Explain(err, g.goos))
		}
	})
}

// async runs call off the UI thread and then done on it.
func (g *GUI) async(call func(context.Context) error, done func(error)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), view.RequestTimeout)
		err := call(ctx)
		cancel()
		if err != nil {
			slog.Info("service request failed", "err", err)
		}
		g.do(func() { done(err) })
	}()
}
