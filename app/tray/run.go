package tray

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"fyne.io/systray"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/internal/desktopnote"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// RunTray runs the tray process against the service at socket until the
// user quits or the session ends: the tray icon and menu, notifications,
// and the window as a separate process on demand. It is not a Fyne app, so
// while the window is closed it costs what following the status stream
// costs. hidden keeps the window closed at start (as at login). stateDir
// is the service's, where a stopped service leaves the record of a kept
// block.
func RunTray(socket, stateDir string, hidden bool) {
	exe, err := os.Executable()
	if err == nil {
		// A link to the tray (a PATH entry, a macOS alias) is not where
		// the window program is; the tray's real directory is.
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		slog.Error("cannot find this program to start its window", "err", err)
		os.Exit(1)
	}
	ui := &sysTray{}
	// The tray's requests are rare (a state change, a menu click): holding
	// their connection open only added a wake-up when it expired.
	t := newTrayApp(ipc.NewQuietClient(socket), runtime.GOOS, ui)
	ui.h = t
	t.look = func() keptblock.Finding { return keptblock.Look(context.Background(), stateDir, keptblock.Probe) }
	t.notify = func(n view.Note) {
		if err := desktopnote.Send(n.Title, n.Body); err != nil {
			slog.Info("notification not shown", "err", err)
		}
	}
	win := newWindowProc(exe, runtime.GOOS, socket, stateDir, t.windowClosed, t.notify)
	t.open, t.quit = win.show, systray.Quit
	ctx, cancel := context.WithCancel(context.Background())
	systray.Run(func() {
		if title := trayTitle(runtime.GOOS); title != "" {
			systray.SetTitle(title)
		}
		systray.SetOnTapped(func() { win.show("") })
		t.start(ctx)
		go ui.reassert(ctx)
		slog.Info("tray started", "socket", socket)
		if !hidden {
			win.show("Status")
		}
		// A logout or Ctrl-C ends the tray as Quit does.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() { <-sig; systray.Quit() }()
	}, func() {
		cancel()
		win.close()
	})
}
