package platform

import (
	"log/slog"

	"golang.org/x/sys/unix"
)

// NewMonitor reads the routing socket (PF_ROUTE), which carries every route,
// address and interface change (Wi-Fi → Ethernet brings a new default route
// and new addresses); onChange runs on the monitor's goroutine.
func NewMonitor(log *slog.Logger, onChange func()) (*Monitor, error) {
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	// Our own route changes need not come back to us.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_USELOOPBACK, 0); err != nil {
		log.Debug("routing socket: SO_USELOOPBACK", "err", err)
	}
	m := newMonitor(func() { unix.Shutdown(fd, unix.SHUT_RDWR); unix.Close(fd) })
	go func() {
		buf := make([]byte, 8192)
		for {
			n, err := unix.Read(fd, buf)
			select {
			case <-m.done:
				return
			default:
			}
			if err != nil {
				if err == unix.EINTR || err == unix.ENOBUFS {
					// ENOBUFS: messages were lost, so assume a change.
					m.notify()
					continue
				}
				log.Warn("routing socket closed, network changes no longer followed", "err", err)
				return
			}
			if routeEvent(buf[:n]) {
				m.notify()
			}
		}
	}()
	go m.debounceLoop(log, onChange)
	return m, nil
}
