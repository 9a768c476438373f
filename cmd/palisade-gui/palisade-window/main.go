// Command palisade-window is Palisade's window: status, settings, profiles,
// split tunnel and logs, a Fyne app. The tray (palisade-gui) starts it from
// its own directory and raises it with lines "show TAB" on its standard
// input; it ends when the user closes it or that input ends (the tray quit).
// It has no tray icon and no login mode: those are the tray's.
package main

import (
	"flag"
	"log/slog"
	"os"

	"github.com/palisadevpn/palisade/app"
	"github.com/palisadevpn/palisade/internal/fynelocale"   // initialized before Fyne reads the locale
	_ "github.com/palisadevpn/palisade/internal/sigprofile" // -tags profile only
	"github.com/palisadevpn/palisade/service/ipc"
)

func main() {
	socket := flag.String("socket", ipc.EnvSocket(), "the service's socket (or pipe); also $PALISADE_SOCKET")
	stateDir := flag.String("state-dir", ipc.EnvStateDir(), "the service's state directory, where it records a kill switch block it kept; also $PALISADE_STATE_DIR")
	tab := flag.String("tab", "Status", "the tab to open on")
	flag.Parse()
	if fynelocale.Set != "" {
		slog.Info("the locale names no language Fyne parses; messages follow LANGUAGE", "locale", fynelocale.Was, "LANGUAGE", fynelocale.Set)
	}
	app.RunWindow(*socket, *stateDir, *tab, os.Stdin)
}
