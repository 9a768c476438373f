package auth

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// pipeListener hands out the server ends of in-memory pipes. Their peers
// cannot be identified, so Admit treats them as unprivileged uid -1.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { close(l.done); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.UnixAddr{Name: "pipe", Net: "unix"} }

// dial connects a client; the server end goes to the listener.
func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- server
	return client
}

func TestAdmitListenerRefusesOverLimit(t *testing.T) {
	var logs bytes.Buffer
	pl := newPipeListener()
	defer pl.Close()
	ln := Admit(pl, NewAdmission(Limits{PerUID: 2, Unprivileged: 10, LogEvery: time.Minute}), slog.New(slog.NewTextHandler(&logs, nil)))
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	var held []net.Conn
	for range 2 {
		pl.dial()
		c := <-accepted
		id, _ := IdentityFrom(ConnContext(context.Background(), c))
		if id.UID != -1 || id.Authorized {
			t.Fatalf("unidentifiable peer admitted as %+v, want uid -1 unprivileged", id)
		}
		held = append(held, c)
	}
	// The third is answered with the reason and closed, never handed on.
	for range 3 {
		client := pl.dial()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(client, "GET /v1/status HTTP/1.1\r\nHost: palisade\r\n\r\n"); err != nil {
			t.Fatalf("refused client's request: %v", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(client), nil)
		if err != nil {
			t.Fatalf("refused client: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "too many connections from uid -1") {
			t.Errorf("refused client got %s %s", resp.Status, body)
		}
		if _, err := client.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("refused connection not closed: %v", err)
		}
	}
	if n := strings.Count(logs.String(), `uid=-1 user="" hit="connection refused"`); n != 1 {
		t.Errorf("3 refusals logged in %d lines, want 1 naming uid -1:\n%s", n, logs.String())
	}
	// Closing an admitted connection (twice) gives back exactly one share.
	held[0].Close()
	held[0].Close()
	pl.dial()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no connection admitted after one was closed")
	}
}

// A connection that did not come through Admit has no identity: it is
// treated as unprivileged, never as whoever it might be.
func TestConnContextWithoutAdmit(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	id, _ := IdentityFrom(ConnContext(context.Background(), a))
	if id.UID != -1 || id.Authorized {
		t.Fatalf("ConnContext on a connection Admit did not identify stored %+v, want UID -1 unauthorized", id)
	}
}
