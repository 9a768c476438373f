// Package scm decides how palisaded answers the Windows service control
// manager, OS-free so it is tested on every OS: which controls stop the
// service, which of them mean the system is shutting down, and what the
// service reports while its teardown runs. cmd/palisaded's Windows handler
// only translates x/sys/windows/svc's requests and statuses.
//
// The service accepts SERVICE_CONTROL_PRESHUTDOWN (kardianos/service, which
// palisaded otherwise uses, accepts only STOP and SHUTDOWN). At shutdown the
// SCM sends PRESHUTDOWN first, to the services that accept it, and waits
// for them to stop (up to their preshutdown timeout) before it sends
// SHUTDOWN to the others, among them the Base Filtering Engine; SHUTDOWN
// alone gives a few seconds, in parallel with everything else going down.
// The kill switch's block kept at a system shutdown (persistent WFP
// filters with boot-time copies) must be written while BFE still runs.
package scm

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Control is an SCM control request, as far as the service acts on it.
type Control int

const (
	// Other is any control the service does not accept.
	Other Control = iota
	// Interrogate asks for the current status again.
	Interrogate
	// Stop is SERVICE_CONTROL_STOP: a user, an installer or `sc stop`.
	Stop
	// PreShutdown is SERVICE_CONTROL_PRESHUTDOWN: the system is going
	// down and waits for the service.
	PreShutdown
	// Shutdown is SERVICE_CONTROL_SHUTDOWN. Accepted as well: a service
	// that stopped at PRESHUTDOWN never gets it, one still running then
	// (its preshutdown timeout ran out) does.
	Shutdown
)

func (c Control) String() string {
	switch c {
	case Interrogate:
		return "interrogate"
	case Stop:
		return "stop"
	case PreShutdown:
		return "preshutdown"
	case Shutdown:
		return "shutdown"
	}
	return "other"
}

// systemGoesDown tells whether c says the system is shutting down.
func (c Control) systemGoesDown() bool { return c == PreShutdown || c == Shutdown }

// State is the service state reported to the SCM.
type State int

const (
	// Running accepts Stop, PreShutdown and Shutdown.
	Running State = iota + 1
	// StopPending is reported while the teardown runs, with a checkpoint
	// that grows at each report so the SCM sees progress.
	StopPending
)

// Status is one report to the SCM.
type Status struct {
	State      State
	CheckPoint uint32
	// WaitHint is how long the SCM should wait for the next report.
	WaitHint time.Duration
}

// Tick is how often a stopping service reports progress; WaitHint is
// twice that, so one late report is no failure.
const Tick = 2 * time.Second

// Serve runs run and answers the SCM's requests until run returns: Stop,
// PreShutdown and Shutdown cancel run's context (PreShutdown and Shutdown
// also make systemShutdown report true), and while run tears down,
// StopPending is reported every tick. It reports Running first. A
// PreShutdown or Shutdown handled after a Stop (the SCM sends none once
// the status says stop-pending, accepting nothing, but one already
// dispatched is queued behind the Stop) still counts: the teardown decides
// at its end.
// classify maps the OS's request type to a Control. It returns whether a
// control asked for the stop (a run that ended by itself is a failure the
// SCM should answer with the recovery actions) and run's error.
func Serve[R any](log *slog.Logger, requests <-chan R, classify func(R) Control, report func(Status), tick time.Duration,
	run func(ctx context.Context, systemShutdown func() bool) error) (requested bool, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var system atomic.Bool
	done := make(chan error, 1)
	go func() { done <- run(ctx, system.Load) }()

	current := Status{State: Running}
	report(current)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			return current.State == StopPending, err
		case req := <-requests:
			c := classify(req)
			switch {
			case c == Interrogate:
				report(current)
			case c == Stop || c.systemGoesDown():
				if c.systemGoesDown() && !system.Swap(true) {
					log.Info("the service manager announced a system shutdown", "control", c.String())
				}
				if current.State != StopPending {
					log.Info("stopping at the service manager's request", "control", c.String())
					cancel()
					current = Status{State: StopPending, CheckPoint: 1, WaitHint: 2 * tick}
					report(current)
				}
			}
		case <-ticker.C:
			if current.State == StopPending {
				current.CheckPoint++
				report(current)
			}
		}
	}
}
