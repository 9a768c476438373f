package service

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testenv"
	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/logging"
)

// lockedBuffer collects a server's log across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveSocket runs s on the OS's API socket (a Unix socket, a named pipe
// on Windows) and returns its path; dialSocket connects to it.
func serveSocket(t *testing.T, s *Server) string {
	t.Helper()
	path := filepath.Join(testenv.SocketDir(t), "run", "palisaded.sock")
	if runtime.GOOS == "windows" {
		path = fmt.Sprintf(`\\.\pipe\palisade-test-%d-%s`, os.Getpid(), t.Name())
	}
	ln, err := auth.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	return path
}

// A status stream whose reader stops draining is dropped after the write
// deadline instead of being buffered for, and the drop is logged.
func TestStreamDropsReaderThatDoesNotDrain(t *testing.T) {
	m, _ := testManager(t, true)
	var logs lockedBuffer
	s := NewServer(m, slog.New(slog.NewTextHandler(&logs, nil)))
	s.streamWrite = 300 * time.Millisecond
	c, err := auth.Dial(t.Context(), serveSocket(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET "+ipc.PathStream+" HTTP/1.1\r\nHost: palisade\r\n\r\n")
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %v %v", resp, err)
	}
	// Stop reading while statuses far larger than any socket buffer are
	// pushed; the manager keeps only the latest for the stream.
	big := strings.Repeat("x", 32<<10)
	for i := range 64 {
		m.mu.Lock()
		m.status.LastError = big + string(rune('a'+i%26))
		m.publishLocked()
		m.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * s.streamWrite)
	// Dropped: draining now ends in EOF. Kept: the read runs into its
	// deadline once the backlog is read.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("stream not dropped after the reader stopped draining: read ended with %v", err)
	}
	// What was still delivered is what the socket buffered, not the 2 MB
	// of history: statuses not yet written were replaced by newer ones.
	if pushed := int64(64 * len(big)); n >= pushed/2 {
		t.Errorf("the reader got %d of %d bytes pushed: history was queued", n, pushed)
	}
	if !strings.Contains(logs.String(), "ipc limit hit") || !strings.Contains(logs.String(), "stream not read") {
		t.Errorf("drop not logged:\n%s", logs.String())
	}
}

// A client that sends its request headers a byte at a time is dropped at the
// header timeout, and that is logged naming its uid.
func TestSlowHeadersAreDropped(t *testing.T) {
	m, _ := testManager(t, true)
	var logs lockedBuffer
	s := NewServer(m, slog.New(slog.NewTextHandler(&logs, nil)))
	s.srv.ReadHeaderTimeout = 300 * time.Millisecond
	c, err := auth.Dial(t.Context(), serveSocket(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET " + ipc.PathStatus + " HTTP/1.1\r\nHost: palisade\r\n\r\n"
	var werr error
	for i := 0; i < len(req)-1 && werr == nil; i++ {
		_, werr = c.Write([]byte{req[i]})
		time.Sleep(100 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if werr == nil && (err != nil || len(b) != 0) {
		t.Errorf("slow client not dropped: wrote all but the last byte, then read %q, %v", b, err)
	}
	if want := fmt.Sprintf("uid=%d", os.Getuid()); !strings.Contains(logs.String(), "header timeout") || !strings.Contains(logs.String(), want) {
		t.Errorf("drop not logged with %s:\n%s", want, logs.String())
	}
}

// Following the log through a real socket still delivers the tail and then
// new lines, each write under the stream deadline.
func TestFollowLogsThroughSocket(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the logs endpoint is for root or the palisade group; not root")
	}
	m, _ := testManager(t, true)
	logger, closer, err := logging.New(m.env.StateDir, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	logger.Info("first line")
	s := NewServer(m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	client := ipc.NewClient(serveSocket(t, s))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	lines := make(chan string, 16)
	go client.FollowLogs(ctx, 10, func(l string) { lines <- l })
	// A line written between the tail and the start of following can be
	// missed (the endpoint does not promise it), so new lines are written
	// until one arrives.
	seen := func(text string, write bool) {
		t.Helper()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case l := <-lines:
				if strings.Contains(l, text) {
					return
				}
			case <-tick.C:
				if write {
					logger.Info(text)
				}
			case <-ctx.Done():
				t.Fatalf("no log line with %q", text)
			}
		}
	}
	seen("first line", false)
	seen("a new line", true)
}
