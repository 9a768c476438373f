// Command palisade-gui is Palisade's tray app. It runs as the desktop user
// and talks to the palisaded service over its local socket; quitting it
// leaves the tunnel as it is.
//
// It is the tray alone (no Fyne, no GL: it costs next to nothing all day);
// the window is a program of its own, palisade-window, installed beside it
// and started on demand.
package main

import (
	"flag"

	"github.com/palisadevpn/palisade/app/tray"
	_ "github.com/palisadevpn/palisade/internal/sigprofile" // -tags profile only
	"github.com/palisadevpn/palisade/service/ipc"
)

func main() {
	socket := flag.String("socket", ipc.EnvSocket(), "the service's socket (or pipe); also $PALISADE_SOCKET")
	stateDir := flag.String("state-dir", ipc.EnvStateDir(), "the service's state directory, where it records a kill switch block it kept; also $PALISADE_STATE_DIR")
	hidden := flag.Bool("hidden", false, "start in the tray without showing the window (used at login)")
	flag.Parse()
	tray.RunTray(*socket, *stateDir, *hidden)
}
