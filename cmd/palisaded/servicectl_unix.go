//go:build linux || darwin

package main

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"os/user"

	kservice "github.com/kardianos/service"

	"github.com/palisadevpn/palisade/service/auth"
)

// runUnderSCM leaves running to kardianos on Unix: there is no SCM.
func runUnderSCM(func(ctx context.Context, systemShutdown func() bool) error) (bool, error) {
	return false, nil
}

// svcRunEnded has nothing to do on Unix: the RunWait hook already returns
// when run ends, so kardianos stops and the process exits with run's error.
func svcRunEnded(error) {}

// svcUpdateExisting leaves installing to kardianos on Unix, which rewrites
// an existing unit or plist in place.
func svcUpdateExisting(*kservice.Config) (bool, error) { return false, nil }

// svcEnsureStopped returns the stop's result: systemd and launchd kill a
// service that does not stop in time themselves.
func svcEnsureStopped(_ string, stopErr error) error { return stopErr }

// svcAfterInstall creates the palisade group whose members may control the
// VPN without root, as the packages' install scripts do.
func svcAfterInstall(string) error {
	_, err := user.LookupGroup(auth.GroupName)
	var unknown user.UnknownGroupError
	if !errors.As(err, &unknown) {
		return err
	}
	cmd := svcAddGroupCommand()
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		return errors.Join(err, errors.New(string(out)))
	}
	slog.Info("created group for VPN users", "group", auth.GroupName)
	return nil
}
