package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dialEnv makes the test binary act as an IPC client: connect to the socket
// named by it, wait for the server to hang up, exit.
const dialEnv = "PALISADE_AUTH_TEST_DIAL"

func TestMain(m *testing.M) {
	if path := os.Getenv(dialEnv); path != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := Dial(ctx, path)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		// Bounded in case the test is gone; long enough for a test
		// binary slowed down by parallel load to identify the peer.
		c.SetDeadline(time.Now().Add(60 * time.Second))
		io.Copy(io.Discard, c)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const nobody = 65534

// TestFromConnOtherUser runs a client as an unprivileged uid, without and
// with the (injected) palisade group, and checks what the service sees.
func TestFromConnOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another uid")
	}
	const fakeGroup = 4242
	fakeGroupGID(t, fakeGroup)

	dir, bin := clientBinary(t)
	sock := filepath.Join(dir, "run", "palisaded.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	for _, tc := range []struct {
		name   string
		groups []uint32
		want   bool
	}{
		{"nobody", nil, false},
		{"nobody in palisade group", []uint32{fakeGroup}, true},
	} {
		id := identifyChild(t, ln, bin, sock, tc.groups)
		if id.UID != nobody {
			t.Errorf("%s: UID = %d, want %d", tc.name, id.UID, nobody)
		}
		if id.Authorized != tc.want {
			t.Errorf("%s: Authorized = %v, want %v (GIDs %v)", tc.name, id.Authorized, tc.want, id.GIDs)
		}
		for _, g := range tc.groups {
			if !slices.Contains(id.GIDs, int(g)) {
				t.Errorf("%s: GIDs %v lack supplementary group %d", tc.name, id.GIDs, g)
			}
		}
	}
}

// clientBinary copies the test binary somewhere an unprivileged uid can
// execute it; the go build cache directory is private to root.
func clientBinary(t *testing.T) (dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "palisade-auth-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "client")
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

func identifyChild(t *testing.T, ln net.Listener, bin, sock string, groups []uint32) Identity {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{dialEnv + "=" + sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: groups},
	}
	out := new(limitedBuffer)
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		id  Identity
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			res <- result{err: err}
			return
		}
		id, err := FromConn(c)
		// The result goes out before the hang-up that lets the client
		// exit: once the client has exited, a client that connected has
		// its result waiting. (Sent after the hang-up, both could be
		// ready when this test's goroutine next ran, and select picked
		// "exited before connecting" at random: the flake seen under
		// load.)
		res <- result{id, err}
		c.Close()
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var r result
	select {
	case r = <-res:
	case err := <-waited:
		select {
		case r = <-res:
			waited <- err // for the exit status check below
		default:
			t.Fatalf("client exited before connecting: %v: %s", err, out)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("client never connected")
	}
	if err := <-waited; err != nil {
		t.Errorf("client: %v: %s", err, out)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.id
}

// limitedBuffer keeps the first KiB of a child's stderr for error messages.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 1024 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// A client dialling while the listen queue is full waits for room instead of
// failing at once with EAGAIN.
func TestDialWaitsForFullQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "listener")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Fill the queue: plain dials fail with EAGAIN once it is full.
	var queued []net.Conn
	defer func() {
		for _, c := range queued {
			c.Close()
		}
	}()
	for range 64 {
		c, err := net.Dial("unix", path)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, c)
	}
	if _, err := net.Dial("unix", path); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("queue not full after %d connections: %v", len(queued), err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := Dial(context.Background(), path)
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	// Make room, and keep making it.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Dial with a full queue: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Dial did not return")
	}
}

// A uid logind tracks (a state file under /run/systemd/users) has a
// session, and FromConn says so; others, and unknown peers, do not.
func TestHasSession(t *testing.T) {
	dir := t.TempDir()
	orig := logindUsers
	logindUsers = dir
	sessions.reset()
	t.Cleanup(func() { logindUsers = orig; sessions.reset() })
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getuid())), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !hasSession(os.Getuid()) || hasSession(os.Getuid()+100000) || hasSession(-1) {
		t.Errorf("hasSession: own uid %v, uid+100000 %v, -1 %v", hasSession(os.Getuid()), hasSession(os.Getuid()+100000), hasSession(-1))
	}
	fds, err := socketpair()
	if err != nil {
		t.Fatal(err)
	}
	defer fds[0].Close()
	defer fds[1].Close()
	if id, err := FromConn(fds[0]); err != nil || !id.Session {
		t.Errorf("FromConn: %+v %v, want a session", id, err)
	}
}
