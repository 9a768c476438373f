package service

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// blockingWriter is a log writer that blocks until released, as a stalled
// journal does; what it is given is kept.
type blockingWriter struct {
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	b       strings.Builder
}

func newBlockingWriter(t *testing.T) *blockingWriter {
	w := &blockingWriter{release: make(chan struct{})}
	t.Cleanup(w.unblock)
	return w
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *blockingWriter) unblock() { w.once.Do(func() { close(w.release) }) }

// waitFor polls the written text until it contains want, bounded.
func (w *blockingWriter) waitFor(t *testing.T, want string) string {
	t.Helper()
	return w.waitForCount(t, want, 1)
}

// waitForCount waits (bounded, 10 s: under -race on two busy cores the
// draining goroutine can wait seconds for a slot) until want has been
// written n times: the log drains on its own goroutine, so lines arrive
// one by one.
func (w *blockingWriter) waitForCount(t *testing.T, want string, n int) string {
	t.Helper()
	var got string
	for range 500 {
		w.mu.Lock()
		got = w.b.String()
		w.mu.Unlock()
		if strings.Count(got, want) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%q written fewer than %d times; got:\n%s", want, n, got)
	return ""
}

// TestWatchLogNeverWaits: with the writer blocked, adding lines returns
// at once; what does not fit the queue is counted, and the count is
// written once the writer moves again.
func TestWatchLogNeverWaits(t *testing.T) {
	bw := newBlockingWriter(t)
	l := newWatchLog(slog.New(slog.NewTextHandler(bw, nil)))
	added := make(chan struct{})
	go func() {
		for i := range watchLogQueue + 10 {
			l.add(slog.LevelInfo, "line", "i", i)
		}
		close(added)
	}()
	select {
	case <-added:
	case <-time.After(5 * time.Second):
		t.Fatal("adding lines waited for the blocked writer")
	}
	// One line may be in the blocked Write, the queue holds the next.
	if n := l.dropped.Load(); n < 9 || n > 10 {
		t.Errorf("%d lines counted as dropped, want 9 or 10", n)
	}
	bw.unblock()
	l.close()
	got := bw.waitFor(t, "lines dropped")
	if !strings.Contains(got, "msg=line i=0\n") || !strings.Contains(got, "lines=") {
		t.Errorf("the queued lines or the count are missing:\n%s", got)
	}
}
