package platform

import (
	"log/slog"
	"sync"
	"time"
)

// Monitor calls a function when addresses, routes or links change,
// debounced, so the firewall's LAN prefixes and (without policy routing)
// the endpoint host routes follow the network. NewMonitor (one per OS)
// feeds it from netlink or the routing socket.
type Monitor struct {
	done chan struct{}
	once sync.Once
	kick chan struct{}
	// stop unblocks the OS reader, if it needs more than done.
	stop func()
}

// debounce collapses a burst of events (an address brings its route, DAD,
// a Wi-Fi join brings a dozen routing messages) into one call.
const debounce = 200 * time.Millisecond

func newMonitor(stop func()) *Monitor {
	return &Monitor{done: make(chan struct{}), kick: make(chan struct{}, 1), stop: stop}
}

// notify records that something changed; it never blocks the reader.
func (m *Monitor) notify() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// debounceLoop calls onChange once events have been quiet for debounce.
func (m *Monitor) debounceLoop(log *slog.Logger, onChange func()) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-m.done:
			timer.Stop()
			return
		case <-m.kick:
			timer.Reset(debounce)
		case <-timer.C:
			log.Debug("network changed")
			onChange()
		}
	}
}

// Close stops the monitor.
func (m *Monitor) Close() {
	m.once.Do(func() {
		close(m.done)
		if m.stop != nil {
			m.stop()
		}
	})
}
