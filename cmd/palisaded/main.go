// Command palisaded is the Palisade service: it runs as root (SYSTEM on
// Windows), owns the tunnel, routes, kill switch and DNS, and serves the
// local API the GUI and CLI use.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/logging"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch cmd := os.Args[1]; cmd {
	case "run":
		err = runCommand(os.Args[2:])
	case "cleanup":
		err = cleanupCommand(os.Args[2:])
	case "prepare-restart":
		err = prepareRestartCommand(os.Args[2:])
	case "install", "uninstall", "start", "stop", "status":
		err = controlService(cmd)
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "palisaded: unknown command %q\n", cmd)
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "palisaded:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: palisaded COMMAND
  run [--socket PATH] [--state-dir DIR] [--debug]   run the service in the foreground
  install | uninstall | start | stop | status        manage the system service
  cleanup [--state-dir DIR]                           remove every firewall rule, route and DNS
                                                     change of Palisade (uninstallers; stop the
                                                     service first)
  prepare-restart [--state-dir DIR]                   keep an engaged kill switch through the
                                                     next stop (installers, before an upgrade)
`)
}

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	socket := fs.String("socket", envOr("PALISADE_SOCKET", ipc.DefaultSocket), "API socket path")
	stateDir := fs.String("state-dir", defaultStateDir(), "state directory")
	debug := fs.Bool("debug", false, "verbose logging")
	staleAfter := fs.Duration("stale-after", service.DefaultTiming.StaleAfter, "handshake age that triggers reconnecting")
	hsTimeout := fs.Duration("handshake-timeout", service.DefaultTiming.HandshakeTimeout, "how long to wait for a handshake")
	cgroupParent := fs.String("cgroup-parent", "", "cgroup2 group to create the split tunnel's groups in (default: the root)")
	if err := fs.Parse(args); err != nil {
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
	stateDir := fs.String("state-dir", defaultStateDir(), "state directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return service.PrepareRestart(*stateDir)
}

// cleanupCommand is what uninstallers run once the service is stopped: it
// leaves no kill switch, route or DNS change behind.
func cleanupCommand(args []string) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	stateDir := fs.String("state-dir", defaultStateDir(), "state directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := service.Cleanup(log, *stateDir); err != nil {
		return fmt.Errorf("cleanup incomplete: %w", err)
	}
	log.Info("cleanup complete")
	return nil
}
