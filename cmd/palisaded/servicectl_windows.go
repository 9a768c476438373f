package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"

	kservice "github.com/kardianos/service"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"github.com/palisadevpn/palisade/service/auth"
)

// svcRunEnded ends the process when run returns by itself in a console
// (kardianos' interactive mode waits for Ctrl-C only); under the SCM,
// scmHandler reports the failure instead.
func svcRunEnded(err error) {
	if err != nil {
		slog.Error("service stopped unexpectedly", "err", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// svcDeleteWait bounds the wait for a registration marked for deletion
// (a handle still open somewhere, e.g. the Services console) to go away.
const svcDeleteWait = 15 * time.Second

// svcUpdateExisting updates an existing registration in place (binary path,
// start type, names), so repair, upgrade and downgrade never fail on
// "service already exists". A registration still marked for deletion is
// waited for, bounded; it then reports false and the service is created.
func svcUpdateExisting(cfg *kservice.Config) (bool, error) {
	m, err := mgr.Connect()
	if err != nil {
		return false, err
	}
	defer m.Disconnect()
	deadline := time.Now().Add(svcDeleteWait)
	for {
		s, err := m.OpenService(cfg.Name)
		if err != nil {
			return false, nil
		}
		c, err := s.Config()
		if err == nil {
			c.BinaryPathName = syscall.EscapeArg(cfg.Executable) + " " + strings.Join(cfg.Arguments, " ")
			c.StartType = mgr.StartAutomatic
			c.DelayedAutoStart = false
			c.DisplayName, c.Description = cfg.DisplayName, cfg.Description
			c.Dependencies = cfg.Dependencies
			err = s.UpdateConfig(c)
		}
		s.Close()
		if !errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE) {
			return err == nil, err
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("service %s is still marked for deletion after %s (close the Services console and retry)", cfg.Name, svcDeleteWait)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// svcEnsureStopped makes a stop final, so an MSI upgrade or uninstall never
// hangs on a service stuck in its teardown nor finds its files in use:
// kardianos waits for the SCM up to WaitToKillServiceTimeout; a service
// still running after that is terminated. A kill switch set to "always"
// holds regardless: its WFP filters are persistent.
func svcEnsureStopped(name string, stopErr error) error {
	m, err := mgr.Connect()
	if err != nil {
		return errors.Join(stopErr, err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return stopErr
	}
	defer s.Close()
	st, err := s.Query()
	if err != nil {
		return errors.Join(stopErr, err)
	}
	if st.State == svc.Stopped {
		return nil
	}
	if st.ProcessId == 0 {
		return stopErr
	}
	p, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, st.ProcessId)
	if err != nil {
		return errors.Join(stopErr, fmt.Errorf("open stuck service process %d: %w", st.ProcessId, err))
	}
	defer windows.CloseHandle(p)
	slog.Warn("service did not stop in time; terminating it", "pid", st.ProcessId, "stop_err", stopErr)
	if err := windows.TerminateProcess(p, 1); err != nil {
		return errors.Join(stopErr, err)
	}
	if ev, err := windows.WaitForSingleObject(p, 10000); err != nil || ev != windows.WAIT_OBJECT_0 {
		return fmt.Errorf("service process %d still running 10 s after termination", st.ProcessId)
	}
	return nil
}

// svcPreshutdownTimeout is how long the SCM waits at shutdown for
// palisaded to stop after PRESHUTDOWN before it goes on to stop the other
// services (the default is 10 s since Windows 10 1703, 3 min before). The
// teardown is bounded by the API server's 3 s shutdown and a few WFP and
// IP Helper calls; set explicitly so every Windows version gives the same.
const svcPreshutdownTimeout = 15 * time.Second

// svcAfterInstall finishes what kardianos cannot express: an unrestricted
// service SID (WFP filters permit the service by that SID), recovery actions
// also for non-crash failures, the preshutdown timeout, and the local
// palisade group.
func svcAfterInstall(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return err
	}
	defer s.Close()
	info := struct{ ServiceSidType uint32 }{windows.SERVICE_SID_TYPE_UNRESTRICTED}
	if err := windows.ChangeServiceConfig2(s.Handle, windows.SERVICE_CONFIG_SERVICE_SID_INFO, (*byte)(unsafe.Pointer(&info))); err != nil {
		return fmt.Errorf("set service SID type: %w", err)
	}
	// Set here too, not only by kardianos' install, so a registration
	// updated in place gets them as well.
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: 2 * time.Second}}, 60); err != nil {
		return err
	}
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return err
	}
	pre := struct{ PreshutdownTimeout uint32 }{uint32(svcPreshutdownTimeout.Milliseconds())}
	if err := windows.ChangeServiceConfig2(s.Handle, windows.SERVICE_CONFIG_PRESHUTDOWN_INFO, (*byte)(unsafe.Pointer(&pre))); err != nil {
		return fmt.Errorf("set preshutdown timeout: %w", err)
	}
	return svcEnsureGroup()
}

// svcEnsureGroup creates the local group whose members may control the VPN
// without elevation. net.exe is taken from System32, never from PATH.
func svcEnsureGroup() error {
	if _, _, _, err := windows.LookupSID("", auth.GroupName); err == nil {
		return nil
	}
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		return err
	}
	out, err := exec.Command(filepath.Join(sys, "net.exe"), "localgroup", auth.GroupName, "/add", "/comment:Palisade VPN users").CombinedOutput()
	if err != nil {
		return errors.Join(err, errors.New(string(out)))
	}
	slog.Info("created group for VPN users", "group", auth.GroupName)
	return nil
}
