//go:build linux || darwin

package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// groupGID resolves the palisade group. Tests replace it (with fakeGroupGID)
// so they can exercise group membership without creating a system group.
var groupGID = func() (int, bool) {
	g, err := user.LookupGroup(GroupName)
	if err != nil {
		var unknown user.UnknownGroupError
		if !errors.As(err, &unknown) {
			slog.Warn("palisade group lookup failed, only root may change state", "err", err)
		}
		return 0, false
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0, false
	}
	return gid, true
}

// palisadeGroup is the palisade group as groupGID last said, and userNames
// the names of peers' uids, both remembered briefly (see lookupCache).
var (
	palisadeGroup = newLookupCache(func(struct{}) groupAnswer {
		gid, ok := groupGID()
		return groupAnswer{gid, ok}
	})
	userNames = newLookupCache(userName)
	// sessions remembers which uids have a login session (hasSession).
	sessions = newLookupCache(hasSession)
)

type groupAnswer struct {
	gid int
	ok  bool
}

// confirmByClient is nil on Unix: peer credentials are the kernel's record
// of the connecting process, taken at connect time.
var confirmByClient func(net.Conn) (Identity, error)

// FromConn identifies the process on the other end of a Unix socket
// connection from the credentials the kernel recorded when it connected.
func FromConn(c net.Conn) (Identity, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return Identity{}, fmt.Errorf("auth: %T carries no peer credentials", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Identity{}, err
	}
	var uid, pid int
	var gids []int
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		uid, gids, credErr = peerCreds(int(fd))
		pid = peerPID(int(fd))
	}); err != nil {
		return Identity{}, err
	}
	if credErr != nil {
		return Identity{}, fmt.Errorf("auth: peer credentials: %w", credErr)
	}
	now := time.Now()
	g := palisadeGroup.get(struct{}{}, now)
	return Identity{
		UID:        uid,
		GIDs:       gids,
		PID:        pid,
		Name:       userNames.get(uid, now),
		Authorized: Decide(uid, gids, g.gid, g.ok),
		Session:    sessions.get(uid, now),
	}, nil
}

func userName(uid int) string {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return strconv.Itoa(uid)
	}
	return u.Username
}

// Listen creates the service socket. Everyone may connect (0666) because
// reading status is public; each request is authorized from the peer's
// credentials instead. The directory must belong to us so nobody can swap the
// socket underneath clients.
func Listen(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := secureDir(dir); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func secureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("auth: socket directory %s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("auth: socket directory %s is not owned by uid %d", dir, os.Geteuid())
	}
	return os.Chmod(dir, 0o755)
}

// removeStale deletes a socket left by a crashed service, but refuses to
// touch anything that is not a socket or that still has a listener.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("auth: %s exists and is not a socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("auth: another service is listening on %s", path)
	}
	slog.Info("removing stale service socket", "path", path)
	return os.Remove(path)
}

// How long Dial keeps trying while the service's listen queue is full.
const (
	dialAttempts = 200
	dialPause    = 10 * time.Millisecond
)

// Dial connects a client to the service socket. A full listen queue (Linux
// answers EAGAIN at once; others flooding the socket, or a service busy
// starting) is retried for up to two seconds, so a privileged client gets
// through a flood that the service drains by refusing.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	for i := 1; ; i++ {
		c, err := d.DialContext(ctx, "unix", path)
		if !errors.Is(err, syscall.EAGAIN) || i == dialAttempts {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(dialPause):
		}
	}
}
