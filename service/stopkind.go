package service

import (
	"fmt"
	"slices"

	"github.com/palisadevpn/palisade/service/settings"
)

// StopKind is what the service manager says about a clean stop of the
// service: whether it comes back at once (a restart), the whole system
// goes down, or it stops for good.
type StopKind int

const (
	// StopPlain is a stop for good: `systemctl stop`, an uninstaller, a
	// terminal's Ctrl-C, or any stop a service manager does not tell apart
	// (launchd, the SCM's stop).
	StopPlain StopKind = iota
	// StopRestart is a stop the service manager follows with a start:
	// `systemctl restart` (or try-restart) of the service's own unit.
	StopRestart
	// StopSystem is a stop because the system shuts down or reboots.
	StopSystem
	// StopUnknown is a stop under a service manager that could not be
	// asked which kind it is.
	StopUnknown
)

func (k StopKind) String() string {
	switch k {
	case StopPlain:
		return "stop"
	case StopRestart:
		return "restart"
	case StopSystem:
		return "system shutdown"
	case StopUnknown:
		return "unknown"
	}
	return fmt.Sprintf("StopKind(%d)", int(k))
}

// stopKeepsBlock decides whether a clean stop leaves the kill switch's
// block in place (docs/firewall.md, "Stopping and restarting the
// service"), and says why in words for the log. With `always` it always
// stays. With `auto` and armed (connected, or dropped and not yet
// disconnected by the user) it stays when the service is expected back:
// after prepare-restart, on a restart, at system shutdown, and when the
// service manager could not be asked (a leak is worse than a blocked
// machine, and `palisaded cleanup` lifts it); a plain stop takes it down,
// as a user stopping the service expects their network back.
func stopKeepsBlock(mode settings.KillSwitch, armed, prepared bool, kind StopKind) (keep bool, why string) {
	switch {
	case mode == settings.KillSwitchAlways:
		return true, "kill switch always"
	case mode != settings.KillSwitchAuto || !armed:
		return false, "kill switch not engaged"
	case prepared:
		return true, "prepare-restart was run"
	case kind == StopRestart:
		return true, "the service manager restarts the service"
	case kind == StopSystem:
		return true, "the system is shutting down; the service blocks again from its start at boot"
	case kind == StopUnknown:
		return true, "the service manager could not be asked whether the service comes back; `palisaded cleanup` lifts the block"
	}
	return false, "a plain stop: the user gets the network back"
}

// systemdStop is what systemd says about a stop of this process, read over
// D-Bus while the stop runs.
type systemdStop struct {
	// SystemState is the manager's SystemState property ("running",
	// "stopping", ...).
	SystemState string
	// PID is this process; MainPID the main process of the unit that
	// holds it (0 when systemd knows none).
	PID, MainPID uint32
	// JobType is the type of the job the unit runs ("stop", "restart",
	// ...), empty when it runs none (the process was signalled directly).
	JobType string
	// Restart is the unit's Restart= setting ("always", "no", ...).
	Restart string
}

// hostUpStates are the SystemState values of a system that is not going
// down (org.freedesktop.systemd1(5)); the others are "stopping",
// "maintenance" and "offline".
var hostUpStates = []string{"initializing", "starting", "running", "degraded"}

// restartJobs are the job types of a stop that systemd follows with a
// start of the same unit.
var restartJobs = []string{"restart", "try-restart", "reload-or-restart", "reload-or-try-restart"}

// restartOnCleanExit are the Restart= settings under which systemd starts
// a unit again whose process ended on SIGTERM without a stop job
// (systemd.service(5): SIGTERM counts as a clean exit).
var restartOnCleanExit = []string{"always", "on-success"}

// classifySystemdStop turns systemd's answer (or the error asking it) into
// a StopKind, with the evidence for the log.
func classifySystemdStop(q systemdStop, err error) (StopKind, string) {
	switch {
	case err != nil:
		return StopUnknown, "systemd not reachable: " + err.Error()
	case !slices.Contains(hostUpStates, q.SystemState):
		return StopSystem, "systemd system state " + q.SystemState
	case q.MainPID != q.PID:
		return StopPlain, fmt.Sprintf("not the main process of a systemd unit (pid %d, main pid %d)", q.PID, q.MainPID)
	case slices.Contains(restartJobs, q.JobType):
		return StopRestart, "systemd job " + q.JobType
	case q.JobType == "" && slices.Contains(restartOnCleanExit, q.Restart):
		return StopRestart, "signalled directly; systemd starts the unit again (Restart=" + q.Restart + ")"
	case q.JobType == "":
		return StopPlain, "signalled directly; the unit stays down (Restart=" + q.Restart + ")"
	}
	return StopPlain, "systemd job " + q.JobType
}
