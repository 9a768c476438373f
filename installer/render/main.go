// Command render writes a service definition for a binary path to stdout,
// for the package builds: render -kind systemd|systemd-early|launchd -exe
// /usr/bin/palisaded;
// or lays out the macOS app bundle: render -kind app -out DIR/Palisade.app
// -version V [-gui bin/palisade-gui] [-window bin/palisade-window].
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/palisadevpn/palisade/installer"
)

func main() {
	kind := flag.String("kind", "systemd", "systemd, systemd-early, launchd or app")
	outDir := flag.String("out", "", "app: the bundle directory to write")
	version := flag.String("version", "0.1.0", "app: the bundle version")
	gui := flag.String("gui", "", "app: the tray binary to put in the bundle (built on a Mac)")
	window := flag.String("window", "", "app: the window binary to put in the bundle (built on a Mac)")
	exe := flag.String("exe", "/usr/bin/palisaded", "absolute path of the installed palisaded")
	flag.Parse()
	var out string
	var err error
	switch *kind {
	case "systemd":
		out, err = installer.SystemdUnit(*exe)
	case "systemd-early":
		out, err = installer.SystemdEarlyUnit(*exe)
	case "launchd":
		out, err = installer.LaunchdPlist(*exe)
	case "app":
		if *outDir == "" {
			err = fmt.Errorf("-kind app needs -out")
		} else {
			err = installer.WriteApp(*outDir, *version, *gui, *window)
		}
	default:
		err = fmt.Errorf("unknown kind %q", *kind)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}
