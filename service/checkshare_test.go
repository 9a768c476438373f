package service

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func always(int) bool { return true }

// Unprivileged requests get the last result while it is younger than the
// reuse window and usable; after it, or once the setup changed, they run
// again. A fresh (privileged) request always runs.
func TestCheckShareReuse(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newCheckShare[int](10 * time.Second)
	s.now = func() time.Time { return now } // one goroutine: no lock needed
	runs := 0
	run := func() int { runs++; return runs }
	ctx := context.Background()
	get := func(fresh bool, usable func(int) bool) (int, bool) {
		t.Helper()
		r, ran, ok := s.get(ctx, fresh, usable, run)
		if !ok {
			t.Fatal("no result without a cancelled context")
		}
		return r, ran
	}
	if r, ran := get(false, always); r != 1 || !ran {
		t.Fatalf("first request: result %d ran %v, want run 1", r, ran)
	}
	now = now.Add(9 * time.Second)
	for range 100 {
		if r, ran := get(false, always); r != 1 || ran {
			t.Fatalf("within the window: result %d ran %v, want run 1 again", r, ran)
		}
	}
	if r, ran := get(false, func(int) bool { return false }); r != 2 || !ran {
		t.Errorf("setup changed: result %d ran %v, want a new run", r, ran)
	}
	if r, ran := get(true, always); r != 3 || !ran {
		t.Errorf("fresh request: result %d ran %v, want a new run", r, ran)
	}
	now = now.Add(10 * time.Second)
	if r, ran := get(false, always); r != 4 || !ran {
		t.Errorf("after the window: result %d ran %v, want a new run", r, ran)
	}
	if runs != 4 {
		t.Errorf("%d runs, want 4", runs)
	}
}

// waitingCtx tells, through waiting, that a request is waiting on it: a
// request calls Done only to wait for a run in progress.
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingCtx(parent context.Context) *waitingCtx {
	return &waitingCtx{Context: parent, waiting: make(chan struct{})}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// Requests arriving while a run is in progress share it; a fresh request
// waits for it and then runs its own; runs never overlap; a request whose
// caller is gone before a result returns none and starts nothing.
func TestCheckShareInFlight(t *testing.T) {
	s := newCheckShare[int](0) // no reuse: only sharing a run in progress
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var runs, running, overlap atomic.Int32
	run := func() int {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		n := runs.Add(1)
		started <- struct{}{}
		<-release
		return int(n)
	}
	type answer struct {
		r   int
		ran bool
	}
	answers := make(chan answer, 20)
	ask := func(ctx context.Context, fresh bool) {
		r, ran, ok := s.get(ctx, fresh, always, run)
		if !ok {
			t.Error("no result")
		}
		answers <- answer{r, ran}
	}
	go ask(context.Background(), false)
	<-started
	// Ten unprivileged requests and a fresh one, each waiting.
	for i := range 11 {
		ctx := newWaitingCtx(context.Background())
		go ask(ctx, i == 10)
		select {
		case <-ctx.waiting:
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d does not wait for the run in progress", i)
		}
	}
	// A request that gives up while the run is in progress.
	gone, cancel := context.WithCancel(context.Background())
	goneCtx := newWaitingCtx(gone)
	goneDone := make(chan bool)
	go func() {
		_, ran, ok := s.get(goneCtx, false, always, run)
		goneDone <- ran || ok
	}()
	<-goneCtx.waiting
	cancel()
	select {
	case got := <-goneDone:
		if got {
			t.Error("a gone request got a result or ran")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a gone request kept waiting")
	}
	close(release)
	byRun := map[int]int{}
	ran := 0
	for range 12 {
		select {
		case a := <-answers:
			byRun[a.r]++
			if a.ran {
				ran++
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a request never got its answer")
		}
	}
	if byRun[1] != 11 || byRun[2] != 1 || ran != 2 || runs.Load() != 2 {
		t.Errorf("answers by run %v, %d ran, %d runs: want 11 sharing run 1 and the fresh request running 2", byRun, ran, runs.Load())
	}
	if overlap.Load() != 0 {
		t.Error("two runs overlapped")
	}
}
