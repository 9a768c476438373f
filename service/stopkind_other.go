//go:build !linux

package service

// askStopKind: launchd and the SCM signal a restart and a stop alike
// (SIGTERM, SERVICE_CONTROL_STOP), so a stop they do not mark otherwise is
// plain; the SCM's preshutdown or shutdown notice arrives through
// Options.SystemShutdown.
func askStopKind() (StopKind, string) {
	return StopPlain, "the service manager does not tell a restart from a stop"
}
