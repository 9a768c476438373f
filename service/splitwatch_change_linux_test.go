package service

import (
	"context"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform/cgroup"
	"github.com/palisadevpn/palisade/service/settings"
)

// TestWatchChangeKeepsListedPrograms: a listed program exec'd over and
// over while the list keeps changing around it (another program added,
// then removed again) always starts in the group: the watch has no
// moment without its mark.
func TestWatchChangeKeepsListedPrograms(t *testing.T) {
	g := bypassGroups(t)
	cat, other := copyProgram(t, "cat"), copyProgram(t, "sleep")
	if err := g.Watch(settings.SplitBypass, []string{cat}); err != nil {
		t.Fatal(err)
	}
	want := "/" + g.Group(settings.SplitBypass)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	changes := 0
	go func() {
		defer wg.Done()
		lists := [][]string{{cat, other}, {cat}}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := g.Watch(settings.SplitBypass, lists[i%2]); err != nil {
				t.Error(err)
				return
			}
			changes++
		}
	}()
	// A shell execs the program, bounded in count and time: an exec held
	// from this process itself could stall its runtime (a fork in progress
	// holds up garbage collection) while the answer waits to run.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	const runs = 400
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sh, "-c", `i=0; while [ $i -lt `+strconv.Itoa(runs)+` ]; do "$0" /proc/self/cgroup; i=$((i+1)); done`, cat).Output()
	if err != nil {
		t.Fatalf("the runs: %v", err)
	}
	// Each run prints its own /proc/self/cgroup; its cgroup2 line counts.
	var lines []string
	for l := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(l, "0::") {
			lines = append(lines, l)
		}
	}
	outside := 0
	for _, l := range lines {
		if got, err := cgroup.ParseProcCgroup(l + "\n"); err != nil || got != want {
			outside++
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d runs across %d list changes", len(lines), changes)
	if len(lines) != runs {
		t.Errorf("%d runs reported, want %d", len(lines), runs)
	}
	if changes < 10 {
		t.Errorf("only %d list changes during the runs", changes)
	}
	if outside > 0 {
		t.Errorf("%d of %d execs of the listed program started outside the group while the list changed", outside, len(lines))
	}
}

// TestExecWatcherAnswersWhileLogBlocked: with the service's log writer
// stuck, execs of a listed program are still answered (and moved): the
// answer never waits for logging.
func TestExecWatcherAnswersWhileLogBlocked(t *testing.T) {
	g := bypassGroups(t)
	bw := newBlockingWriter(t)
	g.log = slog.New(slog.NewTextHandler(bw, nil))
	sleep := copyProgram(t, "sleep")
	if err := g.Watch(settings.SplitBypass, []string{sleep}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := runBounded(t, sleep, "0"); err != nil {
			t.Fatal(err)
		}
	}
	bw.unblock()
	if got := bw.waitForCount(t, "new process moved", 3); strings.Count(got, "new process moved") != 3 {
		t.Errorf("want three moves logged once the log moved again:\n%s", got)
	}
}
