package platform

import (
	"bufio"
	"io"
	"log/slog"
	"os/exec"

	"golang.org/x/sys/unix"
)

// NewMonitor reads the routing socket (PF_ROUTE), which carries every route,
// address and interface change (Wi-Fi → Ethernet brings a new default route
// and new addresses), and watches the dynamic store's DNS and primary
// service keys through scutil (a DHCP renewal changes DNS without any
// routing message); onChange runs on the monitor's goroutine.
func NewMonitor(log *slog.Logger, onChange func()) (*Monitor, error) {
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	// Our own route changes need not come back to us.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_USELOOPBACK, 0); err != nil {
		log.Debug("routing socket: SO_USELOOPBACK", "err", err)
	}
	m := newMonitor(nil)
	stopStore := watchStore(log, m.notify)
	m.stop = func() { unix.Shutdown(fd, unix.SHUT_RDWR); unix.Close(fd); stopStore() }
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

// watchStore runs `scutil` with the notification script and calls notify
// for every changed key, until the returned stop kills it. Without scutil
// the routing socket alone is followed.
func watchStore(log *slog.Logger, notify func()) (stop func()) {
	cmd := exec.Command("/usr/sbin/scutil")
	stdin, err := cmd.StdinPipe()
	var stdout io.ReadCloser
	if err == nil {
		stdout, err = cmd.StdoutPipe()
	}
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		log.Warn("dynamic store not watched: DNS changes without a routing change are missed", "err", err)
		return func() {}
	}
	// stdin stays open: scutil watches until its input ends.
	io.WriteString(stdin, storeWatchScript)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if storeEvent(sc.Text()) {
				notify()
			}
		}
		cmd.Wait()
	}()
	return func() {
		stdin.Close()
		cmd.Process.Kill()
	}
}
