package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
)

// switches is how often a process's threads have left the CPU so far, by
// choice (sleeping, waiting) or not (preempted), summed over
// /proc/PID/task/*/status. Each wake-up of an idle program ends in one, so
// the count follows how often it wakes, which, unlike its CPU time, does not
// swing with what else runs on this shared VM.
func switches(t *testing.T, pid int) int64 {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("process %d: no task status (%v)", pid, err)
	}
	var sum int64
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that just ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			key, val, ok := strings.Cut(line, ":")
			if !ok || key != "voluntary_ctxt_switches" && key != "nonvoluntary_ctxt_switches" {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if err != nil {
				t.Fatalf("%s %s: %v", f, line, err)
			}
			sum += n
		}
	}
	return sum
}

// streamKinds are the status streams whose pushes are counted: the plain
// one (the window before ?changes=rates, the CLI's status --watch), the
// tray's and the window's.
var streamKinds = []struct {
	name  string
	watch func(*ipc.Client) func(context.Context, func(ipc.Status)) error
}{
	{"plain", func(c *ipc.Client) func(context.Context, func(ipc.Status)) error { return c.Watch }},
	{"changes=only", func(c *ipc.Client) func(context.Context, func(ipc.Status)) error { return c.WatchChanges }},
	{"changes=rates", func(c *ipc.Client) func(context.Context, func(ipc.Status)) error { return c.WatchRates }},
}

// pushCounter follows each kind of status stream and counts its pushes,
// the first (the status at once) left out.
type pushCounter struct {
	n      []atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// errs is why a stream ended before stop, by kind: a count of a stream
	// that broke is no count.
	errs []error
}

// countPushes starts following the streams of the service c talks to.
func countPushes(c *ipc.Client) *pushCounter {
	ctx, cancel := context.WithCancel(context.Background())
	pc := &pushCounter{n: make([]atomic.Int64, len(streamKinds)), cancel: cancel, errs: make([]error, len(streamKinds))}
	for i, k := range streamKinds {
		pc.wg.Add(1)
		go func() {
			defer pc.wg.Done()
			first := true
			err := k.watch(c)(ctx, func(ipc.Status) {
				if !first {
					pc.n[i].Add(1)
				}
				first = false
			})
			if ctx.Err() == nil {
				pc.errs[i] = fmt.Errorf("%s stream: %w", k.name, err)
			}
		}()
	}
	return pc
}

// stop ends the streams and returns each kind's count; a stream that ended
// before is an error.
func (pc *pushCounter) stop() ([]int64, error) {
	pc.cancel()
	pc.wg.Wait()
	out := make([]int64, len(pc.n))
	for i := range pc.n {
		out[i] = pc.n[i].Load()
	}
	return out, errors.Join(pc.errs...)
}

// pushesText writes the pushes per minute of each stream kind, if any.
func pushesText(perMin []float64) string {
	var parts []string
	for i, n := range perMin {
		parts = append(parts, fmt.Sprintf("%s %.0f", streamKinds[i].name, n))
	}
	if len(parts) == 0 {
		return ""
	}
	return " pushes/min: " + strings.Join(parts, ", ")
}
