package ipc

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// connServer serves an empty profile list on a Unix socket and records the
// state of each connection a client opened.
type connServer struct {
	mu     sync.Mutex
	states map[net.Conn]http.ConnState
}

func startConnServer(t *testing.T) (*connServer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	cs := &connServer{states: map[net.Conn]http.ConnState{}}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("[]"))
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			cs.mu.Lock()
			cs.states[c] = s
			cs.mu.Unlock()
		},
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return cs, path
}

// open is how many connections are not closed.
func (cs *connServer) open() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := 0
	for _, s := range cs.states {
		if s != http.StateClosed && s != http.StateHijacked {
			n++
		}
	}
	return n
}

// A quiet client (the tray's) holds no connection after its request, so
// nothing expires later to wake it; the plain client keeps one for reuse.
func TestQuietClientKeepsNoConnection(t *testing.T) {
	for _, tc := range []struct {
		name     string
		client   func(string) *Client
		wantKept bool
	}{
		{"quiet", NewQuietClient, false},
		{"plain", NewClient, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, path := startConnServer(t)
			c := tc.client(path)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Profiles(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.wantKept {
				// Kept for 30 s (IdleConnTimeout): still open right after.
				if n := cs.open(); n != 1 {
					t.Errorf("%d connections open after a request, want the one kept", n)
				}
				return
			}
			// The close is asynchronous: poll for it, bounded well under
			// the 30 s a kept connection would stay.
			for i := 0; cs.open() > 0; i++ {
				if i == 100 {
					t.Fatalf("%d connections still open 10 s after the request", cs.open())
				}
				time.Sleep(100 * time.Millisecond)
			}
			cs.mu.Lock()
			defer cs.mu.Unlock()
			if len(cs.states) != 1 {
				t.Errorf("%d connections for one request", len(cs.states))
			}
		})
	}
}
