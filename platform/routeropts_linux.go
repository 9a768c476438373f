package platform

import (
	"log/slog"
	"net"
	"sync"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// WatchRouterOptions calls fn with each router advertisement option that
// the kernel passes to programs (RTNLGRP_ND_USEROPT: RDNSS, DNSSL, captive
// portal and, in kernels since 2020, PREF64), with the interface's name. The
// kernel sends them only for interfaces that accept router advertisements.
// stop ends the watch within a second.
func WatchRouterOptions(log *slog.Logger, fn func(iface string, o RouterOption)) (stop func(), err error) {
	s, err := nl.Subscribe(unix.NETLINK_ROUTE, unix.RTNLGRP_ND_USEROPT)
	if err != nil {
		return nil, err
	}
	// Receive blocks; the timeout lets the loop see stop.
	if err := s.SetReceiveTimeout(&unix.Timeval{Sec: 1}); err != nil {
		s.Close()
		return nil, err
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer s.Close()
		for {
			select {
			case <-done:
				return
			default:
			}
			msgs, _, err := s.Receive()
			switch {
			case err == unix.EAGAIN || err == unix.EINTR:
				continue // the receive timeout: look at stop
			case err == unix.ENOBUFS:
				// Messages were dropped; the next advertisement repeats them.
				log.Info("router advertisement options: netlink overrun, some options missed")
				continue
			case err != nil:
				log.Warn("router advertisement options: netlink read failed, no more PREF64 from router advertisements", "err", err)
				return
			}
			for _, m := range msgs {
				if m.Header.Type != unix.RTM_NEWNDUSEROPT {
					continue
				}
				opts, err := ParseNDUserOpt(m.Data)
				if err != nil {
					log.Warn("router advertisement option unreadable", "err", err)
					continue
				}
				for _, o := range opts {
					if ifi, err := net.InterfaceByIndex(o.IfIndex); err == nil {
						fn(ifi.Name, o)
					}
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }, nil
}
