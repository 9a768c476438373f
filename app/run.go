package app

import (
	"context"
	"io"
	"log/slog"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/assets"
	"github.com/palisadevpn/palisade/internal/desktopnote"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// AppID identifies the GUI to the desktop (notifications, preferences).
const AppID = desktopnote.AppID

// AppIcon is the application icon.
var AppIcon fyne.Resource = fyne.NewStaticResource("palisade.png", assets.AppIconPNG)

// RunWindow runs the window process: the Fyne window against the service
// at socket, on tab, raised again by every show request read from in (the
// tray process's pipe), until the user closes it or in ends. It has no
// tray icon; the tray process has it. stateDir is the service's, where a
// stopped service leaves the record of a kill switch block it kept.
func RunWindow(socket, stateDir, tab string, in io.Reader) {
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(AppIcon)
	g := New(a, ipc.NewClient(socket))
	g.look = func() keptblock.Finding { return keptblock.Look(context.Background(), stateDir, keptblock.Probe) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.Start(ctx)
	g.win.SetCloseIntercept(g.closeWindow)
	g.ShowWindow(tab)
	go view.FollowRequests(in,
		func(tab string) { fyne.Do(func() { g.ShowWindow(tab) }) },
		func() { fyne.Do(g.closeWindow) })
	slog.Info("window started", "socket", socket)
	a.Run()
}
