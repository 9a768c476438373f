package main

import (
	"context"
	"fmt"
	"log/slog"

	"golang.org/x/sys/windows/svc"

	"github.com/palisadevpn/palisade/internal/scm"
)

// scmAccepts are the controls a running palisaded accepts: PRESHUTDOWN so
// that a kept block is written while the Base Filtering Engine still runs
// (internal/scm says why), SHUTDOWN for a service still running when its
// preshutdown time ran out.
const scmAccepts = svc.AcceptStop | svc.AcceptPreShutdown | svc.AcceptShutdown

// scmHandler is palisaded's own handler for the SCM, in place of
// kardianos', which accepts only STOP and SHUTDOWN; the decisions are
// scm.Serve's, this only translates.
type scmHandler struct {
	run func(ctx context.Context, systemShutdown func() bool) error
	err error
}

// Execute runs the service until run returns. A run that ended by itself
// or failed exits with a service-specific code: the recovery actions,
// set for such non-crash failures too (svcAfterInstall), restart it.
func (h *scmHandler) Execute(_ []string, r <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	changes <- svc.Status{State: svc.StartPending}
	report := func(s scm.Status) { changes <- scmStatus(s) }
	requested, err := scm.Serve(slog.Default(), r, scmControl, report, scm.Tick, h.run)
	h.err = err
	if err != nil || !requested {
		return true, 1
	}
	return false, 0
}

func scmControl(c svc.ChangeRequest) scm.Control {
	switch c.Cmd {
	case svc.Interrogate:
		return scm.Interrogate
	case svc.Stop:
		return scm.Stop
	case svc.PreShutdown:
		return scm.PreShutdown
	case svc.Shutdown:
		return scm.Shutdown
	}
	return scm.Other
}

func scmStatus(s scm.Status) svc.Status {
	st := svc.Status{State: svc.StopPending, CheckPoint: s.CheckPoint, WaitHint: uint32(s.WaitHint.Milliseconds())}
	if s.State == scm.Running {
		st.State, st.Accepts = svc.Running, scmAccepts
	}
	return st
}

// runUnderSCM runs run with scmHandler when the SCM started the process
// and tells whether it did; from a console, runManaged's kardianos path
// runs it instead.
func runUnderSCM(run func(ctx context.Context, systemShutdown func() bool) error) (bool, error) {
	isService, err := svc.IsWindowsService()
	if err != nil {
		return true, fmt.Errorf("cannot tell whether the SCM started palisaded: %w", err)
	}
	if !isService {
		return false, nil
	}
	h := &scmHandler{run: run}
	if err := svc.Run(svcName("windows"), h); err != nil {
		return true, err
	}
	return true, h.err
}
