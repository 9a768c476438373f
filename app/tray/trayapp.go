// Package tray is Palisade's tray process: the tray icon and menu
// (fyne.io/systray, no Fyne app, no GL), the notifications, and the window
// started as a separate process on demand. It must not import Fyne: the
// tray runs all day, and Fyne's code and package initialisation would
// double its memory.
package tray

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// trayUI is what shows the tray: the system tray in the tray process, a
// recorder in tests.
type trayUI interface {
	setIcon(view.Icon)
	setTooltip(string)
	setMenu(view.MenuModel)
}

// trayApp is the tray process's logic: it follows the status stream, shows
// the state in the tray only when the menu or icon would change, performs
// the menu's actions through the service API, notifies state changes, and
// opens the window (a separate process) when asked. It has no window and
// no Fyne: between state changes it only decodes the pushes.
type trayApp struct {
	client *ipc.Client
	goos   string
	ui     trayUI
	// notify shows a desktop notification; open opens or raises the
	// window on a tab; quit ends the tray process.
	notify func(view.Note)
	open   func(tab string)
	quit   func()
	// look tells, while the service does not answer, whether its kill
	// switch still blocks (keptblock.Look); nil: it is not asked.
	look func() keptblock.Finding

	mu       sync.Mutex
	last     ipc.Status
	haveLast bool
	view     view.View
	list     []ipc.ProfileInfo
	model    view.MenuModel
	icon     view.Icon
	drawn    bool
}

func newTrayApp(client *ipc.Client, goos string, ui trayUI) *trayApp {
	return &trayApp{client: client, goos: goos, ui: ui, view: view.WaitingView()}
}

// start shows the first state and follows the service until ctx ends.
func (t *trayApp) start(ctx context.Context) {
	t.mu.Lock()
	t.render()
	t.mu.Unlock()
	go view.Follow(ctx, changesOnly{t.client}, func(st ipc.Status) { t.apply(st, time.Now()) }, t.down)
}

// changesOnly follows the status stream without the once-a-second pushes
// of traffic counters and handshake times, which the tray does not show:
// decoding them was all the tray process did while connected.
type changesOnly struct{ c *ipc.Client }

func (s changesOnly) Watch(ctx context.Context, fn func(ipc.Status)) error {
	return s.c.WatchChanges(ctx, fn)
}

// apply takes a pushed status. Most pushes change only counters and ages,
// which the tray does not show: they end in the menu comparison.
func (t *trayApp) apply(st ipc.Status, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.haveLast {
		if n, ok := view.NoteFor(t.last, st); ok {
			go t.sendNote(n)
		}
	}
	if !t.haveLast || t.last.State != st.State || t.last.Profile != st.Profile {
		// The profiles' "last used" mark moves with connections.
		go t.loadProfiles()
	}
	t.last, t.haveLast = st, true
	t.view = view.NewView(st, now)
	t.render()
}

// down shows the service as unreachable, and whether its kill switch
// still blocks the internet. It runs once per reconnection attempt of
// view.Follow (at most every 10 s), so the look adds no wake-ups.
func (t *trayApp) down(err error) {
	var f keptblock.Finding
	if t.look != nil {
		f = t.look()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.haveLast {
		slog.Info("service lost", "err", err, "internet", f.Verdict.String())
	}
	t.haveLast, t.list = false, nil
	t.view = view.KeptBlockView(err, t.goos, f, time.Local)
	t.render()
}

// explainBlock shows how to get back online while the service is down and
// its block kept, in a notification (whatever the notification setting:
// the user asked, and the service that keeps the setting is down).
func (t *trayApp) explainBlock() {
	t.mu.Lock()
	v := t.view
	t.mu.Unlock()
	if v.WayOut != "" {
		t.notify(view.Note{Title: v.State, Body: v.WayOut})
	}
}

// render shows the view in the tray, touching only what changed. Call with
// t.mu held.
func (t *trayApp) render() {
	m := view.NewMenuModel(t.view, t.list)
	if t.drawn && t.icon == t.view.Icon && t.model.Equal(m) {
		return
	}
	if !t.drawn || t.icon != t.view.Icon {
		t.ui.setIcon(t.view.Icon)
	}
	if !t.drawn || !t.model.Equal(m) {
		slog.Debug("tray menu rebuilt", "status", m.Status)
		t.ui.setTooltip(m.Tooltip())
		t.ui.setMenu(m)
	}
	t.model, t.icon, t.drawn = m, t.view.Icon, true
}

// loadProfiles reads the stored profiles for the Profiles submenu.
func (t *trayApp) loadProfiles() {
	ctx, cancel := context.WithTimeout(context.Background(), view.RequestTimeout)
	defer cancel()
	list, err := t.client.Profiles(ctx)
	if err != nil {
		slog.Info("reading the profiles failed", "err", err)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.haveLast { // not if the service went away meanwhile
		t.list = list
		t.render()
	}
}

// sendNote shows n unless the user turned notifications off in the
// settings, which are read now: they change in the window, another process.
func (t *trayApp) sendNote(n view.Note) {
	ctx, cancel := context.WithTimeout(context.Background(), view.RequestTimeout)
	defer cancel()
	if s, err := t.client.Settings(ctx); err == nil && !s.Notifications {
		return
	}
	t.notify(n)
}

// act runs a menu action: connect (to profile, or the one the service
// picks when ""), or disconnect. A refusal is told in a notification, as
// the tray has nowhere else to say it.
func (t *trayApp) act(a view.Action, profile string) {
	call := view.ActionCall(t.client, a, profile)
	if call == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), view.RequestTimeout)
		defer cancel()
		if err := call(ctx); err != nil {
			slog.Info("service request failed", "err", err)
			p := view.Explain(err, t.goos)
			t.notify(view.Note{Title: "Palisade could not do that", Body: p.Text()})
		}
	}()
}

// windowClosed runs when the window process ended: the profiles may have
// changed there (an import, a removal).
func (t *trayApp) windowClosed() {
	t.mu.Lock()
	up := t.haveLast
	t.mu.Unlock()
	if up {
		t.loadProfiles()
	}
}

func (t *trayApp) openWindow(tab string) { t.open(tab) }

func (t *trayApp) quitTray() { t.quit() }
