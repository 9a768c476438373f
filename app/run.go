package app

import (
	"context"
	"log/slog"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/palisadevpn/palisade/service/ipc"
)

// AppID identifies the GUI to the desktop (notifications, preferences).
const AppID = "com.palisadevpn.palisade"

// Run starts the GUI against the service at socket and returns when the user
// quits. hidden keeps the window closed at start where a tray icon exists
// (as at login); without a tray the window is always shown.
func Run(socket string, hidden bool) {
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(AppIcon)
	g := New(a, ipc.NewClient(socket))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.Start(ctx)
	tray := g.InstallTray()
	slog.Info("gui started", "socket", socket, "tray", tray)
	if !tray || !hidden {
		g.ShowWindow("Status")
	}
	if !tray {
		// Without a tray, closing the window is the only way out.
		g.win.SetCloseIntercept(a.Quit)
	}
	a.Run()
}
