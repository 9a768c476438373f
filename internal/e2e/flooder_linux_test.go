package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// floodEnv, when set to a socket path, makes the test binary a flooder
// instead of running tests: the hostile local user of TestFloodByUnprivilegedUser,
// run as its own unprivileged process.
const floodEnv = "PALISADE_E2E_FLOOD_SOCKET"

// Sizes of the flood, read by the flooder from the environment.
const (
	floodStreamsEnv = "PALISADE_E2E_FLOOD_STREAMS"
	floodSlowEnv    = "PALISADE_E2E_FLOOD_SLOW"
)

// slowRequest is what a slow client sends, one byte per second; its headers
// never end, so only the server's header timeout frees the connection.
const slowRequest = "GET /v1/status HTTP/1.1\r\nHost: palisade\r\nX-Slow: " +
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// runFlood opens status streams that are never read and slow-header
// connections that send one byte per second (redialling when dropped, as a
// hostile loop would). It prints "ready" once all are opened, holds them
// until stdin closes, then prints what it saw and exits.
func runFlood(socket string) int {
	streams, _ := strconv.Atoi(os.Getenv(floodStreamsEnv))
	slow, _ := strconv.Atoi(os.Getenv(floodSlowEnv))
	stop := make(chan struct{})
	var opened, failed, slowDropped atomic.Int64
	var held []net.Conn
	for range streams {
		c, err := dialRetry(socket)
		if err != nil {
			failed.Add(1)
			continue
		}
		// A write error only means the service already refused us.
		io.WriteString(c, "GET /v1/status/stream HTTP/1.1\r\nHost: palisade\r\n\r\n")
		held = append(held, c)
		opened.Add(1)
	}
	var wg sync.WaitGroup
	for range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slowClient(socket, stop, &slowDropped)
		}()
	}
	fmt.Printf("ready streams=%d failed=%d\n", opened.Load(), failed.Load())
	io.Copy(io.Discard, os.Stdin)
	close(stop)
	wg.Wait()
	for _, c := range held {
		c.Close()
	}
	fmt.Printf("done slow_dropped=%d\n", slowDropped.Load())
	return 0
}

// slowClient keeps one slow-header connection open until stop, counting
// each time the service drops it.
func slowClient(socket string, stop <-chan struct{}, dropped *atomic.Int64) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		c, err := dialRetry(socket)
		if err != nil {
			return
		}
		for i := 0; ; i = (i + 1) % len(slowRequest) {
			if _, err := c.Write([]byte{slowRequest[i]}); err != nil {
				dropped.Add(1)
				break
			}
			select {
			case <-stop:
				c.Close()
				return
			case <-tick.C:
			}
		}
		c.Close()
	}
}

// dialRetry connects, retrying briefly while the listen backlog is full.
func dialRetry(socket string) (net.Conn, error) {
	var err error
	for range 200 {
		var c net.Conn
		if c, err = net.Dial("unix", socket); err == nil {
			return c, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, err
}
