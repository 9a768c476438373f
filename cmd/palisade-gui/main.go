// Command palisade-gui is Palisade's tray app. It runs as the desktop user
// and talks to the palisaded service over its local socket; quitting it
// leaves the tunnel as it is.
package main

import (
	"flag"
	"os"

	"github.com/palisadevpn/palisade/app"
	"github.com/palisadevpn/palisade/service/ipc"
)

func main() {
	socket := ipc.DefaultSocket
	if s := os.Getenv("PALISADE_SOCKET"); s != "" {
		socket = s
	}
	flag.StringVar(&socket, "socket", socket, "the service's socket (or pipe); also $PALISADE_SOCKET")
	hidden := flag.Bool("hidden", false, "start in the tray without showing the window (used at login)")
	flag.Parse()
	app.Run(socket, *hidden)
}
