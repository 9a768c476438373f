package sysdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
)

// loopbackZone scopes the link-local resolver address to lo0.
const loopbackZone = macLoopback

// Detect returns the scutil manager, the only mechanism macOS offers a daemon.
func Detect(log *slog.Logger, stateDir string) Manager {
	log.Info("sysdns: chose manager", "manager", "scutil", "reason", "macOS dynamic store")
	return &scutilManager{log: log, backup: filepath.Join(stateDir, scutilBackupName), scutil: scutil}
}

// RestoreLeftovers puts back the dictionaries a crashed run overwrote and
// removes the resolver's lo0 aliases it may have left. The aliases are
// Palisade's own fixed addresses, so they are their own journal: removing
// them when absent is no error.
func RestoreLeftovers(log *slog.Logger, stateDir string) error {
	err := (&scutilManager{log: log, backup: filepath.Join(stateDir, scutilBackupName), scutil: scutil}).Restore()
	return errors.Join(err, RemoveLoopbackAddrs())
}

func scutil(script string) (string, error) {
	return scutilContext(context.Background(), script)
}

// scutilContext runs an scutil script, killing scutil when ctx ends.
func scutilContext(ctx context.Context, script string) (string, error) {
	cmd := exec.CommandContext(ctx, "/usr/sbin/scutil")
	cmd.Stdin = strings.NewReader(ScutilScript(script))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sysdns: scutil: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// AddLoopbackAddrs aliases both resolver addresses on lo0: unlike Linux,
// macOS routes only 127.0.0.1 to lo0 by default.
func AddLoopbackAddrs() error {
	if err := ifconfig("lo0", "alias", LoopbackIPv4.String(), "netmask", "255.255.255.255"); err != nil {
		return err
	}
	return ifconfig("lo0", "inet6", LoopbackIPv6.WithZone(loopbackZone).String(), "prefixlen", "128", "alias")
}

// RemoveLoopbackAddrs removes both aliases; missing ones are not an error.
func RemoveLoopbackAddrs() error {
	err4 := ifconfig("lo0", "-alias", LoopbackIPv4.String())
	err6 := ifconfig("lo0", "inet6", LoopbackIPv6.WithZone(loopbackZone).String(), "-alias")
	return errors.Join(ignoreMissing(err4), ignoreMissing(err6))
}

func ifconfig(args ...string) error {
	out, err := exec.Command("/sbin/ifconfig", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("sysdns: ifconfig %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func ignoreMissing(err error) error {
	if err != nil && strings.Contains(err.Error(), "Can't assign requested address") {
		return nil
	}
	return err
}
