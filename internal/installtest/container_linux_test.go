package installtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shareDir is where the container sees the host directory with the
// packages, the peer helper and the profile (read-only).
const shareDir = "/mnt/palisade-test"

// container is a Debian tree booted by systemd-nspawn with its own network
// namespace, on a throwaway overlay over the cached tree.
type container struct {
	t      *testing.T
	root   string
	share  string
	leader int // the container's systemd, as this machine's pid
	nspawn *exec.Cmd
	done   chan struct{}
	log    string
}

// boot starts a container from the cached tree with share bound at
// shareDir, prepare run on its root before boot, and waits for its systemd
// to finish starting up. The container is powered off at t's cleanup.
func boot(t *testing.T, rootfs, share string, prepare func(root string) error) *container {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", rootfs, dir, dir)
	if err := syscall.Mount("overlay", root, "overlay", 0, opts); err != nil {
		t.Fatalf("overlay: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(root, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount overlay: %v", err)
		}
	})
	if err := prepare(root); err != nil {
		t.Fatal(err)
	}
	c := &container{t: t, root: root, share: share, log: filepath.Join(dir, "console.log")}
	t.Cleanup(c.powerOff)
	c.start()
	return c
}

// reboot powers the container off and boots it again on the same tree
// (what the last boot wrote stays), in a fresh network namespace: a real
// reboot starts without nftables tables too.
func (c *container) reboot() {
	c.t.Helper()
	c.powerOff()
	c.start()
}

// start boots the container's tree with systemd-nspawn and waits for its
// systemd to finish starting up.
func (c *container) start() {
	t := c.t
	t.Helper()
	logf, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// This machine's PID 1 is not systemd: no machine registration and no
	// scope unit; the unified cgroup hierarchy and BPF make DevicePolicy=
	// enforced inside.
	c.nspawn = exec.Command("systemd-nspawn", "--boot", "--private-network", "--register=no", "--keep-unit",
		"--capability=CAP_BPF", "--system-call-filter=bpf", "--resolv-conf=off", "--timezone=off",
		"--link-journal=no", "--console=read-only", "--machine=palisade-test-"+strconv.Itoa(os.Getpid()),
		"--bind-ro="+c.share+":"+shareDir, "--directory="+c.root)
	c.nspawn.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	c.nspawn.Stdout, c.nspawn.Stderr = logf, logf
	c.done, c.leader = make(chan struct{}), 0
	if err := c.nspawn.Start(); err != nil {
		t.Fatal(err)
	}
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(c.nspawn, c.done)
	if err := c.waitBooted(); err != nil {
		t.Fatalf("container did not boot: %v\n%s", err, c.console())
	}
}

// waitBooted finds the container's systemd (the child of nspawn named
// systemd: nspawn forks short-lived helpers too) and waits until it reports
// the system running, or degraded with the failed units logged.
func (c *container) waitBooted() error {
	children := fmt.Sprintf("/proc/%d/task/%d/children", c.nspawn.Process.Pid, c.nspawn.Process.Pid)
	for i := 0; c.leader == 0; i++ {
		select {
		case <-c.done:
			return errors.New("systemd-nspawn exited")
		default:
		}
		if i == 200 {
			return errors.New("no systemd in the container after 20s")
		}
		b, _ := os.ReadFile(children)
		for _, pid := range strings.Fields(string(b)) {
			if comm, _ := os.ReadFile("/proc/" + pid + "/comm"); strings.TrimSpace(string(comm)) == "systemd" {
				c.leader, _ = strconv.Atoi(pid)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	var out string
	var err error
	for range 60 {
		out, err = c.run(30*time.Second, "systemctl is-system-running --wait")
		switch strings.TrimSpace(out) {
		case "running":
			return nil
		case "degraded":
			failed, _ := c.run(10*time.Second, "systemctl --failed --no-legend --plain")
			c.t.Logf("container degraded; failed units:\n%s", failed)
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("system state %q: %v", strings.TrimSpace(out), err)
}

// run runs a shell script inside the container, in all of its namespaces,
// as root with a clean environment, and returns its combined output.
func (c *container) run(timeout time.Duration, script string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", "--target", strconv.Itoa(c.leader), "--all", "--wdns=/",
		"env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
		"sh", "-c", script)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return string(out), err
}

// must runs script and fails the test when it fails.
func (c *container) must(script string) string {
	c.t.Helper()
	out, err := c.run(2*time.Minute, script)
	if err != nil {
		c.t.Fatalf("in the container: %s: %v\n%s", script, err, out)
	}
	return out
}

// powerOff asks nspawn to shut the container down (it sends the container's
// systemd the halt signal on SIGTERM) and kills it if that takes too long.
func (c *container) powerOff() {
	if c.nspawn == nil || c.nspawn.Process == nil {
		return
	}
	c.nspawn.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		c.t.Errorf("container did not power off within 60s; killing it")
		c.nspawn.Process.Kill()
		<-c.done
	}
}

// console is the end of the container's console output, for failures.
func (c *container) console() string {
	b, _ := os.ReadFile(c.log)
	return tail(b, 4000)
}
