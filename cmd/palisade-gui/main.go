// Command palisade-gui is Palisade's tray app. It runs as the desktop user
// and talks to the palisaded service over its local socket; quitting it
// leaves the tunnel as it is.
//
// It runs as two processes: the tray (the default; not a Fyne app, it costs
// next to nothing while the window is closed) and, while open, the window
// (--window, started by the tray and ended when closed).
package main

import (
	"flag"
	"log/slog"
	"os"

	"github.com/palisadevpn/palisade/app"
	"github.com/palisadevpn/palisade/app/tray"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/internal/fynelocale" // initialized before Fyne reads the locale
	"github.com/palisadevpn/palisade/service/ipc"
)

func main() {
	socket := ipc.DefaultSocket
	if s := os.Getenv("PALISADE_SOCKET"); s != "" {
		socket = s
	}
	flag.StringVar(&socket, "socket", socket, "the service's socket (or pipe); also $PALISADE_SOCKET")
	stateDir := ipc.DefaultStateDir()
	if d := os.Getenv("PALISADE_STATE_DIR"); d != "" {
		stateDir = d
	}
	flag.StringVar(&stateDir, "state-dir", stateDir, "the service's state directory, where it records a kill switch block it kept; also $PALISADE_STATE_DIR")
	hidden := flag.Bool("hidden", false, "start in the tray without showing the window (used at login)")
	window := flag.Bool(view.WindowFlag[2:], false, "run the window alone, raised by lines \"show TAB\" on standard input and closed when it ends (the tray starts it)")
	tab := flag.String("tab", "Status", "with --window: the tab to open on")
	flag.Parse()
	if fynelocale.Set != "" {
		slog.Info("the locale names no language Fyne parses; messages follow LANGUAGE", "locale", fynelocale.Was, "LANGUAGE", fynelocale.Set)
	}
	if *window {
		app.RunWindow(socket, *tab, os.Stdin)
		return
	}
	tray.RunTray(socket, stateDir, *hidden)
}
