package testbed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Daemon is a process started by StartDaemon in the client namespace and a
// private mount namespace with a scratch /etc.
type Daemon struct {
	p      *proc
	pid    int
	resolv string
	log    string
}

// etcScript runs in the daemon's new mount namespace: it overlays /etc with a
// scratch upper directory so whatever the daemon writes there (resolv.conf,
// backups) stays out of the host's /etc. Where overlayfs cannot be mounted it
// falls back to bind-mounting just resolv.conf; a daemon must then rewrite that
// file in place, as it would have to inside a container. `ip netns exec`
// mounted a fresh /sys without the host's cgroup mounts, so the cgroup2
// hierarchy (the same one, it has only one) is mounted back for the split
// tunnel, in this mount namespace only. Options.DaemonSessions' scratch
// logind directory replaces /run/systemd/users there.
const etcScript = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc 2>/dev/null ||
mount --bind "$1/upper/resolv.conf" /etc/resolv.conf || exit 1
grep -q ' - cgroup2 ' /proc/self/mountinfo || mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
[ ! -d "$1/logind" ] || mount --bind "$1/logind" /run/systemd/users || exit 1
shift
exec "$@"`

// StartDaemon runs bin with args inside the client namespace, where it sees
// ResolvConf (or Options.DaemonResolvConf) as /etc/resolv.conf. Output goes
// to a log under t.TempDir(), logged if t fails. The daemon is stopped at
// t's cleanup if still running.
func (b *Bed) StartDaemon(t testing.TB, bin string, args ...string) *Daemon {
	t.Helper()
	abs, err := filepath.Abs(bin)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		t.Fatalf("testbed: daemon binary: %v", err)
	}
	scratch := t.TempDir()
	for _, d := range []string{"upper", "work"} {
		if err := os.Mkdir(filepath.Join(scratch, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d := &Daemon{resolv: filepath.Join(scratch, "upper", "resolv.conf"), log: filepath.Join(scratch, "daemon.log")}
	resolv := ResolvConf
	if b.opts.DaemonResolvConf != "" {
		resolv = b.opts.DaemonResolvConf
	}
	if err := os.WriteFile(d.resolv, []byte(resolv), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(b.opts.DaemonSessions) > 0 {
		users := filepath.Join(scratch, "logind")
		if err := os.Mkdir(users, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, uid := range b.opts.DaemonSessions {
			if err := os.WriteFile(filepath.Join(users, strconv.Itoa(uid)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := append([]string{"ip", "netns", "exec", b.Namespace(RoleClient),
		"unshare", "--mount", "--propagation", "private", "sh", "-c", etcScript, "sh", scratch, abs}, args...)
	if d.p, err = startProc(d.log, cmd...); err != nil {
		t.Fatalf("testbed: start daemon: %v", err)
	}
	d.pid = d.p.cmd.Process.Pid
	t.Cleanup(func() {
		if !d.p.exited() {
			if err := d.Stop(); err != nil {
				t.Logf("testbed: daemon stop: %v", err)
			}
		}
		if n, err := d.DataRaces(); err != nil || n > 0 {
			t.Errorf("testbed: the daemon's race detector reported %d data races (%v)", n, err)
		}
		if t.Failed() {
			out, _ := os.ReadFile(d.log)
			t.Logf("testbed: daemon log:\n%s", out)
		}
	})
	if err := d.waitExec(abs); err != nil {
		out, _ := os.ReadFile(d.log)
		t.Fatalf("testbed: daemon: %v\n%s", err, out)
	}
	return d
}

// waitExec waits until the wrapper chain (ip, unshare, sh) has exec'd bin,
// so Exec enters the final mount namespace. argv[0] tells them apart even when
// bin is the same shell as the wrapper.
func (d *Daemon) waitExec(bin string) error {
	for range 500 {
		if d.p.exited() {
			return fmt.Errorf("exited at start: %v", d.p.err)
		}
		argv, err := os.ReadFile("/proc/" + strconv.Itoa(d.pid) + "/cmdline")
		if err == nil && strings.HasPrefix(string(argv), bin+"\x00") {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("pid %d did not exec %s within 5s", d.pid, bin)
}

// Pid is the daemon's process id.
func (d *Daemon) Pid() int { return d.pid }

// ResolvConf is the host-side path of the daemon's /etc/resolv.conf.
func (d *Daemon) ResolvConf() string { return d.resolv }

// LogPath is the file holding the daemon's stdout and stderr.
func (d *Daemon) LogPath() string { return d.log }

// DataRaces counts the race detector's reports in the daemon log; a daemon
// built without -race never has any.
func (d *Daemon) DataRaces() (int, error) {
	out, err := os.ReadFile(d.log)
	return strings.Count(string(out), "WARNING: DATA RACE"), err
}

// Stop sends SIGTERM and waits up to 10 s, then SIGKILL. It returns nil only
// when the daemon exited with status 0 in time.
func (d *Daemon) Stop() error { return d.p.stop() }

// Kill ends the daemon with SIGKILL, as a crash would, and waits for it.
func (d *Daemon) Kill() { d.p.kill() }

// Exec runs a command in the daemon's network and mount namespaces, so it
// sees the daemon's /etc/resolv.conf.
func (d *Daemon) Exec(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	return run(ctx, nil, append([]string{"nsenter", "-t", strconv.Itoa(d.pid), "-n", "-m", "--"}, args...)...)
}
