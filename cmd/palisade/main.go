// Command palisade is the command-line client of the Palisade service: it
// does everything the tray app does, over the same local API.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// cli carries what every command needs.
type cli struct {
	out, errw io.Writer
	client    *ipc.Client
	ctx       context.Context
}

type command struct {
	name string
	args string
	help string
	run  func(c *cli, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"status", "[--json]", "show the tunnel state", (*cli).status},
		{"connect", "[PROFILE] [--wait]", "connect (default: the last used profile)", (*cli).connect},
		{"disconnect", "", "disconnect", (*cli).disconnect},
		{"profile", "check FILE | import FILE [--name N] | list | remove NAME | export NAME", "manage profiles", (*cli).profile},
		{"set", "killswitch off|auto|always | allow-lan on|off | ipv6 on|off | dns tunnel|existing|handshake|custom ADDR... | check-outside on|off | check-url URL", "change settings", (*cli).set},
		{"settings", "[--json]", "show the settings", (*cli).showSettings},
		{"firewall", "show", "show the kill switch rules", (*cli).firewall},
		{"logs", "[-f] [-n N]", "show the service log", (*cli).logs},
		{"check", "[--json]", "check routes, firewall and DNS of both families on the live system", (*cli).check},
		{"exec", "--bypass|--vpn-only -- COMMAND [ARGS...]", "run a command in the split tunnel's group (Linux)", (*cli).execCmd},
		{"split", "mode off|bypass|vpn-only | dns direct|tunnel | add PATH | remove PATH | list", "split tunnel per program (Linux)", (*cli).split},
	}
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one CLI invocation and returns the exit code.
func run(ctx context.Context, args []string, out, errw io.Writer) int {
	fs := flag.NewFlagSet("palisade", flag.ContinueOnError)
	fs.SetOutput(errw)
	socket := fs.String("socket", envOr("PALISADE_SOCKET", ipc.DefaultSocket), "service socket (env PALISADE_SOCKET)")
	fs.Usage = func() { usage(errw) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		usage(errw)
		return 2
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	for _, cmd := range commands {
		if cmd.name != name {
			continue
		}
		c := &cli{out: out, errw: errw, client: ipc.NewClient(*socket), ctx: ctx}
		if err := cmd.run(c, rest); err != nil {
			fmt.Fprintln(errw, "palisade:", err)
			if ipc.IsPermission(err) {
				fmt.Fprintln(errw, "hint: run as root or ask an administrator to add you to the palisade group")
			}
			return 1
		}
		return 0
	}
	fmt.Fprintf(errw, "palisade: unknown command %q\n", name)
	usage(errw)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: palisade [--socket PATH] COMMAND [ARGS]")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n  %-10s   %s\n", c.name, c.args, "", c.help)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// parseFlags parses a subcommand's flags, allowing them after positional
// arguments too ("connect home --wait").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func onOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("expected on or off, got %q", s)
}
