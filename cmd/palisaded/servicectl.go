package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	kservice "github.com/kardianos/service"

	"github.com/palisadevpn/palisade/installer"
)

// svcDisplayName is what service managers show to users.
const svcDisplayName = "Palisade VPN service"

// svcName is the service's name for goos: launchd wants its reverse-DNS
// label (the plist's file name), the others the plain binary name.
func svcName(goos string) string {
	if goos == "darwin" {
		return installer.LaunchdLabel
	}
	return "palisaded"
}

// svcOptions returns the service-manager options for goos. The unit and plist
// come from the installer package, the same files the .deb/.rpm/.pkg ship.
func svcOptions(goos, exe string) (kservice.KeyValue, error) {
	switch goos {
	case "linux":
		unit, err := installer.SystemdUnit(exe)
		if err != nil {
			return nil, err
		}
		return kservice.KeyValue{"SystemdScript": unit, "Restart": "always"}, nil
	case "darwin":
		plist, err := installer.LaunchdPlist(exe)
		if err != nil {
			return nil, err
		}
		return kservice.KeyValue{"LaunchdConfig": plist, "KeepAlive": true, "RunAtLoad": true}, nil
	case "windows":
		return kservice.KeyValue{
			"StartType":              "automatic",
			"DelayedAutoStart":       false,
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "2s",
			"OnFailureResetPeriod":   60,
		}, nil
	}
	return kservice.KeyValue{}, nil
}

// svcDependencies are the services that must run before palisaded on goos.
// On Windows: the Base Filtering Engine, without which its WFP kill switch
// cannot be applied at start, and the network stack it configures through
// the IP Helper API (wireguard-windows' tunnel services depend on Nsi and
// TcpIp the same way); the SCM then starts palisaded after them at boot
// instead of letting the first start fail and the recovery action retry.
func svcDependencies(goos string) []string {
	if goos == "windows" {
		return []string{"BFE", "Nsi", "TcpIp"}
	}
	return nil
}

// serviceConfig describes palisaded to the OS service manager: it is started
// as `palisaded run` from the binary currently executing.
func serviceConfig() (*kservice.Config, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	opts, err := svcOptions(runtime.GOOS, exe)
	if err != nil {
		return nil, err
	}
	return &kservice.Config{
		Name:         svcName(runtime.GOOS),
		DisplayName:  svcDisplayName,
		Description:  "Keeps the Palisade WireGuard tunnel, kill switch and DNS in place.",
		Arguments:    []string{"run"},
		Executable:   exe,
		Dependencies: svcDependencies(runtime.GOOS),
		Option:       opts,
	}, nil
}

// controlService performs install, uninstall, start, stop, restart or status
// on the installed service. status prints the service manager's view.
func controlService(action string) error {
	cfg, err := serviceConfig()
	if err != nil {
		return err
	}
	s, err := kservice.New(&svcProgram{}, cfg)
	if err != nil {
		return err
	}
	switch action {
	case "status":
		st, err := s.Status()
		if err != nil && !errors.Is(err, kservice.ErrNotInstalled) {
			return err
		}
		fmt.Println(svcStatusText(st, err))
		return nil
	case "install":
		if err := refusePackaged(action, packagedUnits); err != nil {
			return err
		}
		// Re-install, repair, upgrade and downgrade find the service
		// registered already: it is updated in place, never an error.
		updated, err := svcUpdateExisting(cfg)
		if err != nil {
			return err
		}
		if !updated {
			if err := kservice.Control(s, action); err != nil {
				return err
			}
		}
		slog.Info("service installed", "name", cfg.Name, "exe", cfg.Executable, "updated_in_place", updated)
		return svcAfterInstall(cfg.Name)
	case "uninstall":
		if err := refusePackaged(action, packagedUnits); err != nil {
			return err
		}
		return kservice.Control(s, action)
	case "stop":
		return svcEnsureStopped(cfg.Name, kservice.Control(s, action))
	case "start", "restart":
		return kservice.Control(s, action)
	}
	return fmt.Errorf("unknown service action %q (want install, uninstall, start, stop, restart or status)", action)
}

// refusePackaged refuses to install or uninstall the service when a package
// already installed it (the first of paths that exists): a second unit in
// /etc/systemd/system would override the packaged one and outlive the
// package, and removing the packaged one belongs to the package manager.
func refusePackaged(action string, paths []string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("the service is already installed by a package (%s); "+
				"not running %q: use systemctl to start or stop it and the package manager to remove it", p, action)
		}
	}
	return nil
}

func svcStatusText(st kservice.Status, err error) string {
	switch {
	case errors.Is(err, kservice.ErrNotInstalled):
		return "not installed"
	case st == kservice.StatusRunning:
		return "running"
	case st == kservice.StatusStopped:
		return "stopped"
	}
	return "unknown"
}

// runManaged runs run under the OS service manager (or in the foreground when
// started from a terminal). run's context is cancelled when the manager stops
// the service or on SIGTERM/SIGINT; systemShutdown then tells whether the
// manager said the system is shutting down (only the SCM does, through
// runUnderSCM). runManaged returns run's error.
func runManaged(run func(ctx context.Context, systemShutdown func() bool) error) error {
	if handled, err := runUnderSCM(run); handled {
		return err
	}
	p := &svcProgram{run: run, finished: make(chan struct{})}
	// Registered before anything runs, so a stop signal arriving during
	// start-up is not lost and does not kill the process mid-setup.
	p.signals = make(chan os.Signal, 1)
	signal.Notify(p.signals, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(p.signals)
	s, err := kservice.New(p, &kservice.Config{
		Name:   svcName(runtime.GOOS),
		Option: kservice.KeyValue{"RunWait": p.wait},
	})
	if err != nil {
		return err
	}
	if err := s.Run(); err != nil {
		return err
	}
	return p.err
}

// svcProgram adapts a run function to kardianos' Start/Stop interface.
type svcProgram struct {
	run      func(ctx context.Context, systemShutdown func() bool) error
	cancel   context.CancelFunc
	signals  chan os.Signal
	finished chan struct{} // closed when run has returned; err is then set
	err      error
}

func (p *svcProgram) Start(kservice.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		p.err = p.run(ctx, noShutdownNotice)
		stopping := ctx.Err() != nil
		close(p.finished)
		if !stopping {
			svcRunEnded(p.err)
		}
	}()
	return nil
}

// wait is kardianos' RunWait on Unix: it returns on a stop signal or when run
// gave up by itself, so the process exits and the manager can restart it.
func (p *svcProgram) wait() {
	select {
	case sig := <-p.signals:
		slog.Info("stopping on signal", "signal", sig.String())
	case <-p.finished:
	}
}

// Stop cancels run and waits for it to undo its changes.
func (p *svcProgram) Stop(kservice.Service) error {
	p.cancel()
	<-p.finished
	return nil
}

// noShutdownNotice is the system-shutdown notice under systemd, launchd and
// in a console: none is given at stop (the service asks systemd itself,
// service.askStopKind).
func noShutdownNotice() bool { return false }
