package service

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// watchLogQueue is how many log lines of the program watch wait for the
// writer before new ones are dropped.
const watchLogQueue = 256

// watchLog writes the program watch's log lines from a goroutine of its
// own. The watch answers the kernel's exec permission events, and every
// exec of a listed program waits for that answer: a log writer that
// blocks (a stalled journal, a full pipe) must not hold those execs. So
// lines are queued, a bounded number, and the ones that do not fit are
// dropped and counted; the count is logged with the next line written.
type watchLog struct {
	log     *slog.Logger
	q       chan watchLine
	dropped atomic.Uint64
}

// watchLine is one queued log line.
type watchLine struct {
	level slog.Level
	msg   string
	args  []any
}

// newWatchLog starts writing queued lines to log until close.
func newWatchLog(log *slog.Logger) *watchLog {
	l := &watchLog{log: log, q: make(chan watchLine, watchLogQueue)}
	go l.run()
	return l
}

// add queues a line, or drops and counts it when the queue is full; it
// never waits.
func (l *watchLog) add(level slog.Level, msg string, args ...any) {
	select {
	case l.q <- watchLine{level, msg, args}:
	default:
		l.dropped.Add(1)
	}
}

// run writes the queued lines, and after each says how many were dropped
// since the last such note.
func (l *watchLog) run() {
	for line := range l.q {
		l.log.Log(context.Background(), line.level, line.msg, line.args...)
		if n := l.dropped.Swap(0); n > 0 {
			l.log.Warn("split tunnel: program watch log lines dropped while the log was blocked", "lines", n)
		}
	}
}

// close ends the writer once the queued lines are written; nothing may be
// added after it. It does not wait for a blocked writer.
func (l *watchLog) close() {
	close(l.q)
}
