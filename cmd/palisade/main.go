// Command palisade is the command-line client of the Palisade service: it
// does everything the tray app does, over the same local API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// cli carries what every command needs.
type cli struct {
	in        io.Reader
	out, errw io.Writer
	client    *ipc.Client
	ctx       context.Context
	// stateDir is the service's, where a stopped service leaves the record
	// of a kept block.
	stateDir string
}

type command struct {
	name string
	args string
	help string
	// more is the longer text of "palisade help COMMAND": the values a
	// command takes and what they mean.
	more string
	run  func(c *cli, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"status", "[--json]", "show the tunnel state", "", (*cli).status},
		{"connect", "[PROFILE] [--wait] [--timeout DURATION]", "connect (default: the last used profile)", connectHelp, (*cli).connect},
		{"disconnect", "", "disconnect (the kill switch in auto mode disengages)", "", (*cli).disconnect},
		{"profile", "check FILE | import FILE|- [--name NAME] [--replace] | list | remove NAME | rename OLD NEW | export NAME", "manage profiles (wg-quick .conf files)", profileHelp, (*cli).profile},
		{"set", "SETTING VALUE...", "change a setting (kill switch, allow LAN, IPv6, DNS…; 'palisade help set' lists them)", setHelp, (*cli).set},
		{"settings", "[--json]", "show the settings (--json: as stored)", "", (*cli).showSettings},
		{"firewall", "show", "show the kill switch rules", "", (*cli).firewall},
		{"logs", "[-f] [-n N]", "show the service log (-f: follow it)", "", (*cli).logs},
		{"check", "[--json]", "check routes, firewall and DNS of both families on the live system", checkHelp, (*cli).check},
		{"exec", "--bypass|--vpn-only -- COMMAND [ARGS...]", "run a command in the split tunnel's group (Linux)", "", (*cli).execCmd},
		{"split", "mode off|bypass|vpn-only | dns direct|tunnel | add PATH | remove PATH | list", "split tunnel per program (Linux)", "", (*cli).split},
		{"completion", "bash|fish", "print a shell completion script", completionHelp, (*cli).completion},
	}
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes: 0 done, 1 the command failed (or the self-check found a
// problem, or the service is not running), 2 the command line is wrong and
// nothing was sent, 3 the service is not running and Palisade's kill switch
// blocks the internet.
const (
	exitOK      = 0
	exitFail    = 1
	exitUsage   = 2
	exitBlocked = 3
)

// usageError is a mistake in the command line, found before anything was
// sent to the service.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// run executes one CLI invocation and returns the exit code.
func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) int {
	fs := flag.NewFlagSet("palisade", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	socket := fs.String("socket", envOr("PALISADE_SOCKET", ipc.DefaultSocket), "service socket (env PALISADE_SOCKET)")
	stateDir := fs.String("state-dir", ipc.EnvStateDir(), "the service's state directory (env PALISADE_STATE_DIR)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(out)
			return exitOK
		}
		fmt.Fprintf(errw, "palisade: %v\n", err)
		usage(errw)
		return exitUsage
	}
	if fs.NArg() == 0 {
		usage(errw)
		return exitUsage
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	if name == "help" {
		return help(out, errw, rest)
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(errw, "palisade: unknown command %q\n", name)
		usage(errw)
		return exitUsage
	}
	if wantsHelp(rest) {
		commandUsage(out, cmd)
		return exitOK
	}
	c := &cli{in: in, out: out, errw: errw, client: ipc.NewClient(*socket), ctx: ctx, stateDir: *stateDir}
	err := cmd.run(c, rest)
	if unreachable(err) {
		err = c.serviceDown(errw, err)
	}
	var down errServiceDown
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(errw, "palisade %s: %v\nrun 'palisade help %s' for its usage\n", cmd.name, err, cmd.name)
		return exitUsage
	case errors.As(err, &down) && down.blocked:
		return exitBlocked
	case errors.As(err, &down):
		return exitFail
	}
	fmt.Fprintln(errw, "palisade:", err)
	if ipc.IsPermission(err) {
		fmt.Fprintln(errw, "hint: run as root or ask an administrator to add you to the palisade group (then log in again)")
	}
	return exitFail
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// wantsHelp reports -h or --help among a command's own arguments (not
// after "--", where they belong to the program palisade exec runs).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// help prints the usage of every command, or the longer text of one.
func help(out, errw io.Writer, args []string) int {
	switch len(args) {
	case 0:
		usage(out)
		return exitOK
	case 1:
		if cmd := lookup(args[0]); cmd != nil {
			commandUsage(out, cmd)
			return exitOK
		}
		fmt.Fprintf(errw, "palisade help: unknown command %q\n", args[0])
	default:
		fmt.Fprintln(errw, "palisade help: give one command")
	}
	usage(errw)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: palisade [--socket PATH] [--state-dir DIR] COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "'palisade help COMMAND' (or COMMAND --help) shows a command's arguments.")
	fmt.Fprintln(w, "Exit status: 0 done, 1 failed (check: a problem found; or the service is not running),")
	fmt.Fprintln(w, "2 wrong command line, 3 the service is not running and Palisade's kill switch blocks the internet.")
}

func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: palisade %s %s\n\n%s\n", c.name, c.args, c.help)
	if c.more != "" {
		fmt.Fprintf(w, "\n%s", c.more)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// parseFlags parses a subcommand's flags, allowing them after positional
// arguments too ("connect home --wait"). A bad flag is a usage error,
// reported once (the flag package's own output is discarded).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{flagError(fs, err)}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagName finds the flag in the flag package's errors ("invalid value
// \"x\" for flag -timeout: parse error", "flag needs an argument: -n").
var flagName = regexp.MustCompile(`(?:for flag|for|argument:) -([\w-]+)`)

// flagError adds what a refused flag takes: Go's own text ("parse error")
// does not say.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := flagName.FindStringSubmatch(msg); m != nil {
		if f := fs.Lookup(m[1]); f != nil && f.Usage != "" {
			dash := "--"
			if len(m[1]) == 1 {
				dash = "-"
			}
			return fmt.Sprintf("%s (%s%s: %s)", msg, dash, m[1], f.Usage)
		}
	}
	return msg
}

// boolFlagOnly parses the arguments of a command that takes one boolean
// flag (--json, --names) and nothing else.
func boolFlagOnly(cmd, name string, args []string) (*bool, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	v := fs.Bool(name, false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 0 {
		return nil, usagef("%s takes no arguments besides --%s", cmd, name)
	}
	return v, nil
}

// onOff reads the value of an on/off setting; errors name the setting.
func onOff(key, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, usagef("%s %q: use on or off", key, s)
}
