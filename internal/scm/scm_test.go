package scm

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// reports collects what Serve reports, from its goroutine.
type reports struct {
	mu  sync.Mutex
	all []Status
}

func (r *reports) add(s Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, s)
}

// waitFor polls until ok holds for the reports so far, bounded.
func (r *reports) waitFor(t *testing.T, what string, ok func([]Status) bool) []Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := slices.Clone(r.all)
		r.mu.Unlock()
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10 s; reports %+v", what, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type served struct {
	requested bool
	err       error
}

// serve starts Serve with run and returns its request channel, the
// reports and its result.
func serve(t *testing.T, tick time.Duration, run func(ctx context.Context, systemShutdown func() bool) error) (chan<- Control, *reports, <-chan served) {
	t.Helper()
	req := make(chan Control)
	r := &reports{}
	res := make(chan served, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		requested, err := Serve(log, req, func(c Control) Control { return c }, r.add, tick, run)
		res <- served{requested, err}
	}()
	return req, r, res
}

func result(t *testing.T, res <-chan served) served {
	t.Helper()
	select {
	case s := <-res:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10 s")
		return served{}
	}
}

// stopPendings counts the StopPending reports and tells whether their
// checkpoints grow.
func stopPendings(all []Status) (n int, growing bool) {
	growing = true
	var last uint32
	for _, s := range all {
		if s.State != StopPending {
			continue
		}
		if s.CheckPoint <= last || s.WaitHint <= 0 {
			growing = false
		}
		last = s.CheckPoint
		n++
	}
	return n, growing
}

// Stop cancels run as a plain stop; PreShutdown and Shutdown as a system
// shutdown. While run tears down, StopPending is reported with growing
// checkpoints, so the SCM waits instead of giving up on the service.
func TestControlsStopRun(t *testing.T) {
	for _, c := range []Control{Stop, PreShutdown, Shutdown} {
		t.Run(c.String(), func(t *testing.T) {
			seen := make(chan bool, 1)
			release := make(chan struct{})
			req, r, res := serve(t, 10*time.Millisecond, func(ctx context.Context, systemShutdown func() bool) error {
				<-ctx.Done()
				seen <- systemShutdown()
				<-release
				return nil
			})
			all := r.waitFor(t, "Running report", func(all []Status) bool { return len(all) > 0 })
			if first := all[0]; first.State != Running {
				t.Fatalf("first report %+v, want Running", first)
			}
			req <- c
			select {
			case got := <-seen:
				if want := c != Stop; got != want {
					t.Errorf("%s: run saw a system shutdown %v, want %v", c, got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s did not cancel run within 10 s", c)
			}
			all = r.waitFor(t, "three StopPending reports", func(all []Status) bool {
				n, _ := stopPendings(all)
				return n >= 3
			})
			if _, growing := stopPendings(all); !growing {
				t.Errorf("StopPending checkpoints do not grow, or lack a wait hint: %+v", all)
			}
			close(release)
			if s := result(t, res); !s.requested || s.err != nil {
				t.Errorf("Serve = %+v, want requested, no error", s)
			}
		})
	}
}

// A shutdown control handled after a stop (dispatched before the status
// said stop-pending) counts: the teardown decides at its end whether the
// block stays. A second stop does not start another teardown.
func TestShutdownDuringStopCounts(t *testing.T) {
	proceed := make(chan struct{})
	seen := make(chan bool, 1)
	cancels := 0
	req, _, res := serve(t, 10*time.Millisecond, func(ctx context.Context, systemShutdown func() bool) error {
		<-ctx.Done()
		cancels++
		<-proceed
		seen <- systemShutdown()
		return nil
	})
	req <- Stop
	req <- Stop
	req <- PreShutdown
	// Serve handles one request at a time and receives the next only
	// after it: once this send is taken, the PreShutdown has been handled.
	req <- Interrogate
	close(proceed)
	if got := <-seen; !got {
		t.Error("a PreShutdown during a stop's teardown did not count as a system shutdown")
	}
	if s := result(t, res); !s.requested || s.err != nil || cancels != 1 {
		t.Errorf("Serve = %+v after %d teardowns, want requested, no error, one teardown", s, cancels)
	}
}

// Interrogate reports the current status again: Running, then StopPending
// with the checkpoint reached.
func TestInterrogateReportsCurrent(t *testing.T) {
	release := make(chan struct{})
	// No tick within the test: every report is an answer.
	req, r, res := serve(t, time.Hour, func(ctx context.Context, _ func() bool) error {
		<-ctx.Done()
		<-release
		return nil
	})
	req <- Interrogate
	req <- Stop
	req <- Other // ignored: no report
	req <- Interrogate
	all := r.waitFor(t, "four reports", func(all []Status) bool { return len(all) >= 4 })
	want := []Status{{State: Running}, {State: Running}, {State: StopPending, CheckPoint: 1, WaitHint: 2 * time.Hour}, {State: StopPending, CheckPoint: 1, WaitHint: 2 * time.Hour}}
	if !slices.Equal(all, want) {
		t.Errorf("reports %+v, want %+v", all, want)
	}
	close(release)
	result(t, res)
}

// A run that ends by itself is no requested stop: the handler reports a
// failure so that the recovery actions restart the service.
func TestRunEndingByItself(t *testing.T) {
	boom := errors.New("ipc server failed")
	for _, want := range []error{boom, nil} {
		_, _, res := serve(t, 10*time.Millisecond, func(context.Context, func() bool) error { return want })
		if s := result(t, res); s.requested || s.err != want {
			t.Errorf("Serve = %+v, want not requested, error %v", s, want)
		}
	}
}
