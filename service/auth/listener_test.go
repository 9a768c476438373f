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

// TestIdentityConfirmedAfterFirstRead is Windows' pipe client identity,
// driven here by a stand-in confirmByClient: before the client has sent
// anything the connection is unprivileged, after the first read it is who
// the confirmation says (on Windows, the impersonated token, not a looked-up
// process ID), and a failed confirmation denies.
func TestIdentityConfirmedAfterFirstRead(t *testing.T) {
	for _, c := range []struct {
		name string
		id   Identity
		err  error
		want Identity
	}{
		{"confirmed", Identity{UID: 500, Name: `HOST\admin`, Authorized: true}, nil, Identity{UID: 500, Name: `HOST\admin`, Authorized: true}},
		{"confirmation failed", Identity{UID: 500, Authorized: true}, io.ErrUnexpectedEOF, Identity{UID: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			confirmByClient = func(net.Conn) (Identity, error) { calls++; return c.id, c.err }
			defer func() { confirmByClient = nil }()
			pl := newPipeListener()
			defer pl.Close()
			ln := Admit(pl, NewAdmission(Limits{PerUID: 2, Unprivileged: 10, LogEvery: time.Minute}), slog.New(slog.NewTextHandler(io.Discard, nil)))
			go func() { pl.dial().Write([]byte("GET / HTTP/1.1\r\n\r\nmore")) }()
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx := ConnContext(context.Background(), conn)
			if id, _ := IdentityFrom(ctx); id.UID != -1 || id.Authorized {
				t.Fatalf("before any data: %+v, want unprivileged", id)
			}
			for range 2 {
				if _, err := conn.Read(make([]byte, 9)); err != nil {
					t.Fatal(err)
				}
			}
			if id, _ := IdentityFrom(ctx); id.UID != c.want.UID || id.Name != c.want.Name || id.Authorized != c.want.Authorized {
				t.Errorf("after reading: %+v, want %+v", id, c.want)
			}
			if calls != 1 {
				t.Errorf("confirmed %d times, want once", calls)
			}
		})
	}
}
