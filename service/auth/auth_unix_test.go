//go:build linux || darwin

package auth

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/palisadevpn/palisade/internal/testenv"
)

// serve accepts one connection on ln through Admit and returns the identity
// FromConn and ConnContext see for it.
func serve(t *testing.T, ln net.Listener) <-chan Identity {
	t.Helper()
	ids := make(chan Identity, 1)
	go func() {
		c, err := Admit(ln, NewAdmission(DefaultLimits), slog.Default()).Accept()
		if err != nil {
			t.Errorf("accept: %v", err)
			close(ids)
			return
		}
		defer c.Close()
		id, err := FromConn(c.(*peerConn).Conn)
		if err != nil {
			t.Errorf("FromConn: %v", err)
		}
		ctxID, ok := IdentityFrom(ConnContext(context.Background(), c))
		if !ok || ctxID.UID != id.UID || ctxID.Authorized != id.Authorized {
			t.Errorf("ConnContext stored %+v (%v), FromConn said %+v", ctxID, ok, id)
		}
		ids <- id
	}()
	return ids
}

func TestFromConnSelf(t *testing.T) {
	path := filepath.Join(testenv.SocketDir(t), "run", "palisaded.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o666 {
		t.Errorf("socket mode %v, want 0666", perm)
	}
	ids := serve(t, ln)
	c, err := Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := <-ids
	if id.UID != os.Getuid() {
		t.Errorf("UID = %d, want %d", id.UID, os.Getuid())
	}
	if !slices.Contains(id.GIDs, os.Getgid()) {
		t.Errorf("GIDs %v lack our gid %d", id.GIDs, os.Getgid())
	}
	if want := os.Getuid() == 0; id.Authorized != want {
		t.Errorf("Authorized = %v, want %v", id.Authorized, want)
	}
	if id.Name == "" {
		t.Error("empty Name")
	}
}

func TestFromConnGroupMember(t *testing.T) {
	fakeGroupGID(t, os.Getgid())

	fds, err := socketpair()
	if err != nil {
		t.Fatal(err)
	}
	defer fds[0].Close()
	defer fds[1].Close()
	id, err := FromConn(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	if id.UID != os.Getuid() || !id.Authorized {
		t.Errorf("identity %+v: want uid %d authorized as a member of gid %d", id, os.Getuid(), os.Getgid())
	}
}

func TestFromConnNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if id, err := FromConn(a); err == nil {
		t.Fatalf("FromConn(net.Pipe) = %+v, want an error", id)
	}
}

func TestListenStaleSocket(t *testing.T) {
	path := filepath.Join(testenv.SocketDir(t), "palisaded.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if _, err := Listen(path); err == nil {
		t.Fatal("Listen succeeded while another listener is live")
	}
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket should still exist: %v", err)
	}
	ln2, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	ln2.Close()
}

func TestListenRefusesNonSocket(t *testing.T) {
	path := filepath.Join(testenv.SocketDir(t), "palisaded.sock")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ln, err := Listen(path); err == nil {
		ln.Close()
		t.Fatal("Listen replaced a regular file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Fatalf("regular file was changed: %q, %v", b, err)
	}
}

func TestListenRefusesSymlinkDir(t *testing.T) {
	base := testenv.SocketDir(t)
	if err := os.Mkdir(filepath.Join(base, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	if ln, err := Listen(filepath.Join(base, "link", "palisaded.sock")); err == nil {
		ln.Close()
		t.Fatal("Listen accepted a symlinked socket directory")
	}
}

// fakeGroupGID makes gid the palisade group for the rest of t.
func fakeGroupGID(t *testing.T, gid int) {
	orig := groupGID
	t.Cleanup(func() {
		groupGID = orig
		palisadeGroup.reset()
	})
	groupGID = func() (int, bool) { return gid, true }
	palisadeGroup.reset()
}
