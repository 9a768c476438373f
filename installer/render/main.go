// Command render writes a service definition for a binary path to stdout,
// for the package builds: render -kind systemd|launchd -exe /usr/bin/palisaded.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/palisadevpn/palisade/installer"
)

func main() {
	kind := flag.String("kind", "systemd", "systemd or launchd")
	exe := flag.String("exe", "/usr/bin/palisaded", "absolute path of the installed palisaded")
	flag.Parse()
	var out string
	var err error
	switch *kind {
	case "systemd":
		out, err = installer.SystemdUnit(*exe)
	case "launchd":
		out, err = installer.LaunchdPlist(*exe)
	default:
		err = fmt.Errorf("unknown kind %q", *kind)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}
