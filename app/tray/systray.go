package tray

import (
	"bytes"
	"context"
	"image"
	_ "image/png" // the tray icons are PNGs
	"log/slog"
	"runtime"
	"sync"
	"time"

	"fyne.io/systray"
	"github.com/fyne-io/image/ico"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/assets"
)

// trayPNGs are the tray icons, one per Icon: bitmaps, as tray protocols want.
var trayPNGs = map[view.Icon][]byte{
	view.IconDisconnected: assets.TrayDisconnectedPNG,
	view.IconConnecting:   assets.TrayConnectingPNG,
	view.IconConnected:    assets.TrayConnectedPNG,
	view.IconError:        assets.TrayErrorPNG,
}

// trayIconData is an icon as the tray of goos takes it: Windows' wants an
// .ico, the others a PNG.
func trayIconData(goos string, png []byte) ([]byte, error) {
	if goos != "windows" {
		return png, nil
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := ico.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// trayTitle is the tray item's title on goos: its name to the Linux tray
// host (StatusNotifierItem's Title), nothing on macOS, where a title is text
// in the menu bar beside the icon (Windows has none).
func trayTitle(goos string) string {
	if goos == "darwin" {
		return ""
	}
	return "Palisade"
}

// menuHandler is what the tray menu's entries do.
type menuHandler interface {
	act(a view.Action, profile string)
	openWindow(tab string)
	explainBlock()
	quitTray()
}

// sysTray shows the tray through fyne.io/systray, on its own loop: no GL,
// no window. The menu is rebuilt whole when it changes (on state changes
// only); each rebuild ends the previous entries' click readers.
type sysTray struct {
	h    menuHandler
	mu   sync.Mutex
	done chan struct{} // closed when the current entries are replaced
	// icon and tip are the last shown, for reassert.
	icon []byte
	tip  string
}

func (s *sysTray) setIcon(i view.Icon) {
	data, err := trayIconData(runtime.GOOS, trayPNGs[i])
	if err != nil {
		slog.Error("tray icon", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.icon = data
	systray.SetIcon(data)
}

func (s *sysTray) setTooltip(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tip = text
	systray.SetTooltip(text)
}

// reassertDelays are when, after start, the tray sets its icon and tooltip
// again. On Linux fyne.io/systray runs onReady before its D-Bus properties
// exist and builds them from the icon and tooltip it had when it began
// exporting them; a change in between (the first failed attempt to reach a
// service that is down comes that fast) is dropped, and the tray kept
// "Contacting the service…" and its icon for good. Three wake-ups at start,
// none later.
var reassertDelays = []time.Duration{time.Second, 3 * time.Second, 10 * time.Second}

// reassert sets the last icon and tooltip again at reassertDelays, until
// ctx ends.
func (s *sysTray) reassert(ctx context.Context) {
	start := time.Now()
	for _, d := range reassertDelays {
		t := time.NewTimer(time.Until(start.Add(d)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		// Under mu, so a change shown meanwhile is not undone.
		s.mu.Lock()
		if s.icon != nil {
			systray.SetIcon(s.icon)
		}
		systray.SetTooltip(s.tip)
		s.mu.Unlock()
	}
}

func (s *sysTray) setMenu(m view.MenuModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		close(s.done)
	}
	s.done = make(chan struct{})
	systray.ResetMenu()
	for _, e := range menuEntries(m) {
		s.add(e, nil)
	}
}

// add puts an entry (and its submenu) into the tray menu.
func (s *sysTray) add(e menuEntry, parent *systray.MenuItem) {
	if e.separator {
		if parent == nil {
			systray.AddSeparator()
		} else {
			parent.AddSeparator()
		}
		return
	}
	var it *systray.MenuItem
	switch {
	case parent == nil && e.checked:
		it = systray.AddMenuItemCheckbox(e.label, "", true)
	case parent == nil:
		it = systray.AddMenuItem(e.label, "")
	case e.checked:
		it = parent.AddSubMenuItemCheckbox(e.label, "", true)
	default:
		it = parent.AddSubMenuItem(e.label, "")
	}
	if e.disabled {
		it.Disable()
	}
	for _, c := range e.children {
		s.add(c, it)
	}
	if e.do == nil {
		return
	}
	go func(done chan struct{}) {
		for {
			select {
			case <-it.ClickedCh:
				e.do(s.h)
			case <-done:
				return
			}
		}
	}(s.done)
}

// menuEntry is one entry of the tray menu as the system tray shows it.
type menuEntry struct {
	label     string
	separator bool
	disabled  bool
	checked   bool
	children  []menuEntry
	do        func(menuHandler)
}

// WayOutLabel is the tray entry that explains a kept block's ways out.
const WayOutLabel = "How to get back online…"

// menuEntries lays the menu model out as tray menu entries.
func menuEntries(m view.MenuModel) []menuEntry {
	var es []menuEntry
	for _, s := range m.Status {
		es = append(es, menuEntry{label: s, disabled: true})
	}
	if m.WayOut != "" {
		es = append(es, menuEntry{label: WayOutLabel, do: func(h menuHandler) { h.explainBlock() }})
	}
	sep := menuEntry{separator: true}
	act := m.Action
	es = append(es, sep, menuEntry{label: m.ActionLabel, disabled: !m.ActionEnabled,
		do: func(h menuHandler) { h.act(act, "") }})
	profiles := menuEntry{label: "Profiles", disabled: len(m.Profiles) == 0}
	for _, p := range m.Profiles {
		name := p.Name
		profiles.children = append(profiles.children, menuEntry{label: name, checked: p.Current,
			disabled: !m.ProfilesEnabled, do: func(h menuHandler) { h.act(view.ActionConnect, name) }})
	}
	return append(es, profiles, sep,
		menuEntry{label: "Settings…", do: func(h menuHandler) { h.openWindow("Settings") }},
		menuEntry{label: "Open Palisade", do: func(h menuHandler) { h.openWindow("Status") }},
		sep,
		// Quitting ends the tray (and the window) only; the service keeps
		// the tunnel.
		menuEntry{label: "Quit", do: func(h menuHandler) { h.quitTray() }},
	)
}
