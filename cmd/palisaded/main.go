// Command palisaded is the Palisade service: it runs as root (SYSTEM on
// Windows), owns the tunnel, routes, kill switch and DNS, and serves the
// local API the GUI and CLI use.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/logging"
)

func main() {
	spawnSetup(os.Args)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one invocation and returns the exit status: 0 done (help
// included), 1 failed, 2 a wrong command line.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch cmd := args[0]; cmd {
	case "run":
		err = runCommand(args[1:])
	case "cleanup":
		err = cleanupCommand(args[1:])
	case "prepare-restart":
		err = prepareRestartCommand(args[1:])
	case "early-block":
		err = earlyBlockCommand(args[1:])
	case "install", "uninstall", "start", "stop", "status":
		err = controlService(cmd)
	case "-h", "--help", "help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "palisaded: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		// The flag package printed the command's flags.
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "palisaded:", err)
		return 2
	}
	fmt.Fprintln(stderr, "palisaded:", err)
	return 1
}

// usageError is a flag the flag package refused (it printed the flags).
type usageError struct{ error }

// parseFlags parses a command's flags; a mistake is a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("%s takes no arguments besides its flags, got %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: palisaded COMMAND
  run [--socket PATH] [--state-dir DIR] [--debug]   run the service in the foreground
  install | uninstall | start | stop | status        manage the system service
  cleanup [--state-dir DIR]                           remove every firewall rule, route and DNS
                                                     change of Palisade (uninstallers; stop the
                                                     service first)
  prepare-restart [--state-dir DIR]                   keep an engaged kill switch through the
                                                     next stop (installers, before an upgrade)
  early-block [--state-dir DIR]                       block now if the service will block at its
                                                     start (kill switch always, or auto armed),
                                                     then exit (the boot unit, before the network)
`)
}

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	socket := fs.String("socket", envOr("PALISADE_SOCKET", ipc.DefaultSocket), "API socket path")
	stateDir := fs.String("state-dir", ipc.DefaultStateDir(), "state directory")
	debug := fs.Bool("debug", false, "verbose logging")
	staleAfter := fs.Duration("stale-after", service.DefaultTiming.StaleAfter, "handshake age that triggers reconnecting")
	hsTimeout := fs.Duration("handshake-timeout", service.DefaultTiming.HandshakeTimeout, "how long to wait for a handshake")
	cgroupParent := fs.String("cgroup-parent", "", "cgroup2 group to create the split tunnel's groups in (default: the root)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	// Profiles hold private keys: the directory is secured (and checked)
	// before anything is written to it, logs included.
	secured, err := platform.SecureStateDir(*stateDir)
	if err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	log, closer, err := logging.New(*stateDir, level)
	if err != nil {
		return err
	}
	defer closer.Close()
	slog.SetDefault(log)
	if secured != "" {
		log.Warn("state directory was open to others; secured", "dir", *stateDir, "change", secured)
	}
	timing := service.DefaultTiming
	timing.StaleAfter, timing.HandshakeTimeout = *staleAfter, *hsTimeout
	return runManaged(func(ctx context.Context, systemShutdown func() bool) error {
		return service.Run(ctx, service.Options{Socket: *socket, StateDir: *stateDir, Timing: timing, Log: log,
			CgroupParent: *cgroupParent, SystemShutdown: systemShutdown})
	})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// prepareRestartCommand is what installers run before an upgrade restarts
// the service: the old process leaves an engaged kill switch in place for
// the new one.
func prepareRestartCommand(args []string) error {
	fs := flag.NewFlagSet("prepare-restart", flag.ContinueOnError)
	stateDir := fs.String("state-dir", ipc.DefaultStateDir(), "state directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return service.PrepareRestart(*stateDir)
}

// earlyBlockCommand is what the palisaded-early-block unit runs at boot,
// before the network comes up and palisaded starts. It logs to stderr (the
// journal): the service's log file belongs to the service.
func earlyBlockCommand(args []string) error {
	fs := flag.NewFlagSet("early-block", flag.ContinueOnError)
	stateDir := fs.String("state-dir", ipc.DefaultStateDir(), "state directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return service.EarlyBlock(slog.New(slog.NewTextHandler(os.Stderr, nil)), *stateDir)
}

// cleanupCommand is what uninstallers run once the service is stopped: it
// leaves no kill switch, route or DNS change behind.
func cleanupCommand(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	stateDir := fs.String("state-dir", ipc.DefaultStateDir(), "state directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := service.Cleanup(log, *stateDir); err != nil {
		return fmt.Errorf("cleanup incomplete: %w", err)
	}
	log.Info("cleanup complete")
	return nil
}
