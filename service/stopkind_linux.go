package service

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// askStopTimeout bounds the questions to systemd at stop, well inside the
// unit's TimeoutStopSec.
const askStopTimeout = 3 * time.Second

// askStopKind asks systemd, when it runs this process as a service (its
// parent is PID 1 and /run/systemd/system exists), why the process is
// being stopped. Anything else (a terminal, the test bed) is a plain stop.
func askStopKind() (StopKind, string) {
	if os.Getppid() != 1 {
		return StopPlain, "not run by the init system"
	}
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return StopPlain, "the init system is not systemd"
	}
	ctx, cancel := context.WithTimeout(context.Background(), askStopTimeout)
	defer cancel()
	conn, err := dialSystemd(ctx)
	if err != nil {
		return classifySystemdStop(systemdStop{}, err)
	}
	defer conn.Close()
	return classifySystemdStop(querySystemdStop(ctx, conn, uint32(os.Getpid())))
}

// systemdPrivate is systemd's own D-Bus socket for root (what systemctl
// uses): it answers without a bus daemon, and still while dbus.service is
// being stopped at shutdown.
const systemdPrivate = "unix:path=/run/systemd/private"

// dialSystemd connects to systemd directly, peer to peer (no Hello: there
// is no bus).
func dialSystemd(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.Dial(systemdPrivate, dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("authenticate to systemd: %w", err)
	}
	return conn, nil
}

const (
	systemdName    = "org.freedesktop.systemd1"
	systemdPath    = dbus.ObjectPath("/org/freedesktop/systemd1")
	systemdManager = systemdName + ".Manager"
)

// querySystemdStop reads, over conn, the system state, the unit holding
// pid with, for a service, its main process and Restart= setting, and the
// type of the job the unit runs (org.freedesktop.systemd1(5)).
func querySystemdStop(ctx context.Context, conn *dbus.Conn, pid uint32) (systemdStop, error) {
	q := systemdStop{PID: pid}
	manager := conn.Object(systemdName, systemdPath)
	if err := getProperty(ctx, manager, systemdManager, "SystemState", &q.SystemState); err != nil {
		return q, err
	}
	var unitPath dbus.ObjectPath
	if err := manager.CallWithContext(ctx, systemdManager+".GetUnitByPID", 0, pid).Store(&unitPath); err != nil {
		return q, fmt.Errorf("GetUnitByPID: %w", err)
	}
	unit := conn.Object(systemdName, unitPath)
	var id string
	if err := getProperty(ctx, unit, systemdName+".Unit", "Id", &id); err != nil {
		return q, err
	}
	if !strings.HasSuffix(id, ".service") {
		// A scope or slice (a login session's, an orphan reparented to
		// PID 1): no service of systemd's, so no main process.
		return q, nil
	}
	if err := getProperty(ctx, unit, systemdName+".Service", "MainPID", &q.MainPID); err != nil {
		return q, err
	}
	if err := getProperty(ctx, unit, systemdName+".Service", "Restart", &q.Restart); err != nil {
		return q, err
	}
	var job struct {
		ID   uint32
		Path dbus.ObjectPath
	}
	if err := getProperty(ctx, unit, systemdName+".Unit", "Job", &job); err != nil {
		return q, err
	}
	if job.ID == 0 {
		return q, nil
	}
	err := getProperty(ctx, conn.Object(systemdName, job.Path), systemdName+".Job", "JobType", &q.JobType)
	return q, err
}

// getProperty reads one D-Bus property into dst.
func getProperty(ctx context.Context, obj dbus.BusObject, iface, name string, dst any) error {
	var v dbus.Variant
	if err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, iface, name).Store(&v); err != nil {
		return fmt.Errorf("%s.%s: %w", iface, name, err)
	}
	if err := v.Store(dst); err != nil {
		return fmt.Errorf("%s.%s: %w", iface, name, err)
	}
	return nil
}
