package service

import (
	"context"
	"sync"
	"time"
)

// checkReuse is how long a self-check's result is served again to
// unprivileged callers. A check is cheap to ask and expensive to run (route
// lookups, a firewall read-back, DNS probes, maybe the outside service): a
// user looping on it gets one run per checkReuse, not one per request.
const checkReuse = 10 * time.Second

// checkShare decides which self-check requests run the probes. Requests
// that arrive while a run is in progress share it; an unprivileged request
// is answered with the last result while it is younger than maxAge and
// still usable (what the service set up has not changed since); a fresh
// request (a privileged caller) always gets a run that starts after it
// asked. Runs never overlap. It is safe for concurrent use.
type checkShare[R any] struct {
	maxAge time.Duration
	now    func() time.Time

	mu     sync.Mutex
	flight *checkRun[R] // the run in progress, nil when none
	last   *checkRun[R] // the latest finished run, nil before the first
}

// checkRun is one run of the probes; res and at are set before done closes.
type checkRun[R any] struct {
	done chan struct{}
	res  R
	at   time.Time
}

func newCheckShare[R any](maxAge time.Duration) *checkShare[R] {
	return &checkShare[R]{maxAge: maxAge, now: time.Now}
}

// get returns a result for one request. usable tells whether an earlier
// result still describes the present setup; run does the probes. ran is
// true when this request did the run; ok is false when ctx ended before a
// result was there (the request then started no run).
func (s *checkShare[R]) get(ctx context.Context, fresh bool, usable func(R) bool, run func() R) (res R, ran, ok bool) {
	for {
		s.mu.Lock()
		if l := s.last; !fresh && l != nil && s.now().Sub(l.at) < s.maxAge && usable(l.res) {
			s.mu.Unlock()
			return l.res, false, true
		}
		f := s.flight
		if f == nil {
			if ctx.Err() != nil {
				s.mu.Unlock()
				return res, false, false
			}
			f = &checkRun[R]{done: make(chan struct{})}
			s.flight = f
			s.mu.Unlock()
			res = run()
			s.mu.Lock()
			f.res, f.at = res, s.now()
			s.flight, s.last = nil, f
			close(f.done)
			s.mu.Unlock()
			return res, true, true
		}
		s.mu.Unlock()
		select {
		case <-f.done:
			if !fresh && usable(f.res) {
				return f.res, false, true
			}
			// A fresh request wants a run that began after it asked;
			// the setup changed under an unprivileged one: run again.
		case <-ctx.Done():
			return res, false, false
		}
	}
}
