package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Answering refused connections: at most maxRefusing at once, each given
// refuseTimeout to send its request before the answer and refuseLinger to
// read it. Beyond maxRefusing (a flood), refused connections are closed
// without an answer.
const (
	maxRefusing   = 32
	refuseTimeout = time.Second
	refuseLinger  = 100 * time.Millisecond
)

// admitListener identifies each peer as it is accepted and refuses
// connections over its limits before any HTTP machinery (buffers,
// goroutines) is spent on them.
type admitListener struct {
	net.Listener
	admission *Admission
	log       *slog.Logger
	refusing  chan struct{} // one token per refusal being answered
}

// Admit wraps ln so that every accepted connection is identified from its
// peer credentials and admitted by a. Refused connections get a short HTTP
// 503 answer and are closed; accepted ones carry their identity for
// ConnContext and give their share back when closed.
func Admit(ln net.Listener, a *Admission, log *slog.Logger) net.Listener {
	return &admitListener{Listener: ln, admission: a, log: log, refusing: make(chan struct{}, maxRefusing)}
}

// Accept returns the next admitted connection.
func (l *admitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		id, err := FromConn(c)
		if err != nil {
			// On Windows a client that exits right after connecting cannot be
			// looked up; rate-limited like any hit, so that cannot flood the log.
			id = Identity{UID: -1}
			l.admission.LogHit(l.log, id, HitUnidentified, err.Error()+"; treated as unprivileged")
		}
		release, err := l.admission.Admit(id)
		if err == nil {
			pc := &peerConn{Conn: c, id: id, release: release, l: l}
			pc.idleAt.Store(-1)
			return pc, nil
		}
		l.admission.LogHit(l.log, id, HitRefused, err.Error())
		l.refuse(c, err.Error())
	}
}

// refuse answers a connection that was not let in, so the client shows why
// instead of a broken pipe, and closes it, off the accept loop. The answer
// waits for the request: a client still writing to a closed socket would
// see only EPIPE.
func (l *admitListener) refuse(c net.Conn, reason string) {
	select {
	case l.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(refuseTimeout))
		readHead(c)
		body := fmt.Sprintf("{\"error\":%q}\n", "the service refused the connection: "+reason)
		c.SetWriteDeadline(time.Now().Add(refuseLinger))
		fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		// Let the client read the answer before the socket goes: closing
		// with its request body unread would reset the connection.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		c.SetReadDeadline(time.Now().Add(refuseLinger))
		io.Copy(io.Discard, io.LimitReader(c, 1<<20))
	}()
}

// readHead reads until the end of a request's headers, at most 16 kB, or
// until the connection's read deadline.
func readHead(c net.Conn) {
	var buf [512]byte
	var tail []byte
	for total := 0; total < 16<<10; {
		n, err := c.Read(buf[:])
		total += n
		tail = append(tail, buf[:n]...)
		if bytes.Contains(tail, []byte("\r\n\r\n")) || err != nil {
			return
		}
		tail = tail[max(0, len(tail)-3):]
	}
}

// peerConn is an admitted connection and who is on the other end.
type peerConn struct {
	net.Conn
	// id is the admission identity; where confirmByClient exists it is
	// replaced by the confirmed one after the first bytes are read.
	idMu      sync.Mutex
	id        Identity
	confirmed bool
	release   func()
	l         *admitListener
	closeOnce sync.Once
	closeErr  error
	// read counts bytes received; idleAt is read's value when the last
	// response was done (-1 before the first), so a read timeout tells a
	// quiet keep-alive connection from a half-sent request. active is set
	// while a handler runs (the server's own reads then are not requests).
	read, idleAt atomic.Int64
	active       atomic.Bool
}

// Read notes when the server's header timeout cut a request short.
func (c *peerConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if total := c.read.Add(int64(n)); n > 0 && total == int64(n) {
		c.confirm()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.active.Load() && c.read.Load() != c.idleAt.Load() {
		c.l.admission.LogHit(c.l.log, c.identity(), HitHeaderTimeout, "request not received in time (slow or stalled client), dropped")
	}
	return n, err
}

// confirm re-identifies the client once it has sent data, where the OS can
// tell who is on the other end only then (Windows: impersonating the pipe
// client, instead of trusting a process ID that may have been reused). A
// client that cannot be confirmed is unprivileged: failures deny.
func (c *peerConn) confirm() {
	if confirmByClient == nil {
		return
	}
	id, err := confirmByClient(c.Conn)
	if err != nil {
		c.l.admission.LogHit(c.l.log, c.identity(), HitUnidentified, "client identity not confirmed: "+err.Error()+"; treated as unprivileged")
		id = Identity{UID: -1}
	}
	c.idMu.Lock()
	c.id, c.confirmed = id, true
	c.idMu.Unlock()
}

// identity is who the connection belongs to, as far as known now.
func (c *peerConn) identity() Identity {
	c.idMu.Lock()
	defer c.idMu.Unlock()
	return c.id
}

// Close closes the connection once and returns its share of the limits.
func (c *peerConn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.Conn.Close()
		c.release()
	})
	return c.closeErr
}

// ConnState is meant for http.Server.ConnState: it marks where each request
// on an admitted connection ended, for the read-timeout log in Read.
func ConnState(c net.Conn, st http.ConnState) {
	pc, ok := c.(*peerConn)
	if !ok {
		return
	}
	pc.active.Store(st == http.StateActive)
	if st == http.StateIdle {
		pc.idleAt.Store(pc.read.Load())
	}
}

// ConnContext is meant for http.Server.ConnContext: it attaches the identity
// the Admit listener resolved to the connection's context, so handlers only
// look it up. A connection that did not come through Admit is unprivileged
// with UID -1: failures deny.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		if confirmByClient != nil {
			// Handlers run after the request was read, so by then the
			// connection's identity is the confirmed one.
			return context.WithValue(ctx, connKey{}, pc)
		}
		return WithIdentity(ctx, pc.id)
	}
	return WithIdentity(ctx, Identity{UID: -1})
}
