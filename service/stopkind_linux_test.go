package service

import (
	"context"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/palisadevpn/palisade/internal/desktopbed"
)

// fakeProps answers org.freedesktop.DBus.Properties.Get from a table
// (interface → property → value), as systemd's objects do.
type fakeProps map[string]map[string]any

func (p fakeProps) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	v, ok := p[iface][name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{iface + "." + name})
	}
	return dbus.MakeVariant(v), nil
}

// jobRef is the Unit.Job property: a struct (uo) of job ID and path.
type jobRef struct {
	ID   uint32
	Path dbus.ObjectPath
}

// fakeManager is systemd's manager object: one unit, holding unitPID.
type fakeManager struct {
	unitPID uint32
}

func (m fakeManager) GetUnitByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	if pid != m.unitPID {
		return "", dbus.NewError("org.freedesktop.systemd1.NoUnitForPID", []any{"PID does not belong to any loaded unit."})
	}
	return "/org/freedesktop/systemd1/unit/palisaded_2eservice", nil
}

// fakeSystemd exports a systemd look-alike on a private bus: the manager
// in systemState, a unit unitID holding pid 4242 (as its main process with
// Restart=always, for a service), running job (0 for none) of jobType.
func fakeSystemd(t *testing.T, unitID, systemState string, job uint32, jobType string) *dbus.Conn {
	t.Helper()
	addr := desktopbed.TestBus(t)
	srv, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	unit := dbus.ObjectPath("/org/freedesktop/systemd1/unit/palisaded_2eservice")
	jobPath := dbus.ObjectPath("/org/freedesktop/systemd1/job/77")
	objects := []struct {
		path  dbus.ObjectPath
		props fakeProps
	}{
		{systemdPath, fakeProps{systemdManager: {"SystemState": systemState}}},
		{unit, fakeProps{
			systemdName + ".Unit":    {"Id": unitID, "Job": jobRef{job, jobPath}},
			systemdName + ".Service": {"MainPID": uint32(4242), "Restart": "always"},
		}},
		{jobPath, fakeProps{systemdName + ".Job": {"JobType": jobType}}},
	}
	for _, o := range objects {
		if err := srv.Export(o.props, o.path, "org.freedesktop.DBus.Properties"); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Export(fakeManager{unitPID: 4242}, systemdPath, systemdManager); err != nil {
		t.Fatal(err)
	}
	if reply, err := srv.RequestName(systemdName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", systemdName, reply, err)
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// The questions querySystemdStop asks, against a systemd look-alike on a
// real D-Bus daemon: the answers land where classifySystemdStop reads them,
// and a PID outside every unit is an error, not a plain stop.
func TestQuerySystemdStop(t *testing.T) {
	for _, c := range []struct {
		name, unit string
		state      string
		job        uint32
		jobType    string
		pid        uint32
		want       systemdStop
		wantErr    bool
	}{
		{"restart job", "palisaded.service", "running", 77, "restart", 4242,
			systemdStop{SystemState: "running", PID: 4242, MainPID: 4242, JobType: "restart", Restart: "always"}, false},
		{"stop at shutdown", "palisaded.service", "stopping", 77, "stop", 4242,
			systemdStop{SystemState: "stopping", PID: 4242, MainPID: 4242, JobType: "stop", Restart: "always"}, false},
		{"no job", "palisaded.service", "running", 0, "stop", 4242,
			systemdStop{SystemState: "running", PID: 4242, MainPID: 4242, Restart: "always"}, false},
		{"a login session's scope", "session-3.scope", "running", 77, "stop", 4242,
			systemdStop{SystemState: "running", PID: 4242}, false},
		{"pid in no unit", "palisaded.service", "running", 77, "restart", 99, systemdStop{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := fakeSystemd(t, c.unit, c.state, c.job, c.jobType)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, err := querySystemdStop(ctx, conn, c.pid)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want an error: %v", err, c.wantErr)
			}
			if !c.wantErr && got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
