package app

import (
	"fmt"
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"

	"github.com/palisadevpn/palisade/assets"
)

// Tray icon resources, one per Icon; bitmaps, as tray protocols want.
var trayIcons = map[Icon]fyne.Resource{
	IconDisconnected: fyne.NewStaticResource("palisade-disconnected.png", assets.TrayDisconnectedPNG),
	IconConnecting:   fyne.NewStaticResource("palisade-connecting.png", assets.TrayConnectingPNG),
	IconConnected:    fyne.NewStaticResource("palisade-connected.png", assets.TrayConnectedPNG),
	IconError:        fyne.NewStaticResource("palisade-error.png", assets.TrayErrorPNG),
}

// AppIcon is the application icon.
var AppIcon fyne.Resource = fyne.NewStaticResource("palisade.png", assets.AppIconPNG)

// tray renders the menu model into the system tray, and only when it changed.
type tray struct {
	g     *GUI
	desk  desktop.App
	model MenuModel
	icon  Icon
	shown bool
	// menu is the last menu built, kept for tests.
	menu *fyne.Menu
}

func newTray(g *GUI) *tray {
	t := &tray{g: g}
	t.desk, _ = g.fyne.(desktop.App)
	return t
}

// InstallTray puts the icon into the system tray, where the desktop has one;
// the window is shown on left-click where the desktop supports it. Fyne
// starts the tray with the app, so call it before the app runs.
func (g *GUI) InstallTray() bool { return g.tray.install() }

func (t *tray) install() bool {
	if t.desk == nil {
		return false
	}
	t.shown = true
	t.menu = t.build(t.model)
	t.desk.SetSystemTrayMenu(t.menu)
	t.desk.SetSystemTrayIcon(trayIcons[t.icon])
	// What SetSystemTrayWindow does (a left click shows the window, closing
	// hides it), but through the GUI, so it knows when its window is off
	// screen and can stop drawing it.
	t.g.win.SetCloseIntercept(t.g.hideWindow)
	systray.SetOnTapped(func() { fyne.Do(func() { t.g.ShowWindow("") }) })
	return true
}

func (t *tray) update(m MenuModel, icon Icon) {
	if t.menu != nil && t.model.Equal(m) && t.icon == icon {
		return
	}
	if t.icon != icon && t.shown {
		t.desk.SetSystemTrayIcon(trayIcons[icon])
	}
	t.icon = icon
	if t.menu != nil && t.model.Equal(m) {
		return
	}
	t.model = m
	t.menu = t.build(m)
	if t.shown {
		slog.Debug("tray menu rebuilt", "status", m.Status)
		t.desk.SetSystemTrayMenu(t.menu)
	}
}

func (t *tray) build(m MenuModel) *fyne.Menu {
	var items []*fyne.MenuItem
	for _, s := range m.Status {
		it := fyne.NewMenuItem(s, nil)
		it.Disabled = true
		items = append(items, it)
	}
	items = append(items, fyne.NewMenuItemSeparator())
	act := fyne.NewMenuItem(m.ActionLabel, func() { t.g.act(m.Action, "") })
	act.Disabled = !m.ActionEnabled
	items = append(items, act)

	var profiles []*fyne.MenuItem
	for _, p := range m.Profiles {
		name := p.Name
		it := fyne.NewMenuItem(name, func() { t.g.act(ActionConnect, name) })
		it.Checked = p.Current
		it.Disabled = !m.ProfilesEnabled
		profiles = append(profiles, it)
	}
	sub := fyne.NewMenuItem("Profiles", nil)
	if len(profiles) == 0 {
		sub.Disabled = true
	} else {
		sub.ChildMenu = fyne.NewMenu("Profiles", profiles...)
	}
	items = append(items, sub, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Settings…", func() { t.g.ShowWindow("Settings") }),
		fyne.NewMenuItem("Show window", func() { t.g.ShowWindow("Status") }),
		fyne.NewMenuItemSeparator(),
		// Quitting ends the GUI only; the service keeps the tunnel.
		fyne.NewMenuItem("Quit", func() { t.g.fyne.Quit() }),
	)
	return fyne.NewMenu(fmt.Sprintf("Palisade: %s", m.Status[0]), items...)
}
