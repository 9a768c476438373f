package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// bins holds the binaries under test, built once per run by TestMain; the
// race-detector build of the daemon is built on first use.
var bins struct {
	dir, daemon, cli string
	err              error

	raceOnce   sync.Once
	raceDaemon string
	raceErr    error
}

func TestMain(m *testing.M) {
	if socket := os.Getenv(floodEnv); socket != "" {
		os.Exit(runFlood(socket))
	}
	if kind := os.Getenv(splitProbeEnv); kind != "" {
		os.Exit(runSplitProbe(kind))
	}
	if os.Geteuid() == 0 {
		buildBinaries()
	}
	code := m.Run()
	if bins.dir != "" {
		os.RemoveAll(bins.dir)
	}
	os.Exit(code)
}

func buildBinaries() {
	bins.dir, bins.err = os.MkdirTemp("", "palisade-e2e-")
	if bins.err != nil {
		return
	}
	bins.daemon = filepath.Join(bins.dir, "palisaded")
	bins.cli = filepath.Join(bins.dir, "palisade")
	out, err := exec.Command("go", "build", "-o", bins.dir, "../../cmd/palisaded", "../../cmd/palisade").CombinedOutput()
	if err != nil {
		bins.err = fmt.Errorf("build: %v\n%s", err, out)
	}
}

// raceDaemon returns palisaded built with the race detector, which reports
// on stderr (the daemon log) and exits with status 66 when it saw a race.
func raceDaemon(t *testing.T) string {
	t.Helper()
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	bins.raceOnce.Do(func() {
		dir := filepath.Join(bins.dir, "race")
		out, err := exec.Command("go", "build", "-race", "-o", dir+"/", "../../cmd/palisaded").CombinedOutput()
		if err != nil {
			bins.raceErr = fmt.Errorf("build -race: %v\n%s", err, out)
		}
		bins.raceDaemon = filepath.Join(dir, "palisaded")
	})
	if bins.raceErr != nil {
		t.Fatal(bins.raceErr)
	}
	return bins.raceDaemon
}

// node is a running palisaded in a bed's client namespace.
type node struct {
	bed    *testbed.Bed
	daemon *testbed.Daemon
	client *ipc.Client
	socket string
	state  string
	bin    string // the daemon binary; "" is bins.daemon
}

// start builds a bed (skipping when not root) and starts palisaded in it.
func start(t *testing.T, opts testbed.Options, args ...string) *node {
	t.Helper()
	bed := testbed.New(t, opts)
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	n := &node{bed: bed, socket: filepath.Join(t.TempDir(), "palisaded.sock"), state: t.TempDir()}
	n.launch(t, args...)
	return n
}

// launch (re)starts the daemon on the node's socket and state directory.
func (n *node) launch(t *testing.T, args ...string) {
	t.Helper()
	all := append([]string{"run", "--socket", n.socket, "--state-dir", n.state}, args...)
	bin := n.bin
	if bin == "" {
		bin = bins.daemon
	}
	n.daemon = n.bed.StartDaemon(t, bin, all...)
	n.client = ipc.NewClient(n.socket)
	waitFor(t, 15*time.Second, "daemon answering", func() bool {
		_, err := n.client.Status(context.Background())
		return err == nil
	})
}

// cli runs the palisade CLI against the node, as root.
func (n *node) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.cli, append([]string{"--socket", n.socket}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// importProfile writes the bed's profile to a file and imports it,
// replacing a profile of the same name (tests re-import with other options).
func (n *node) importProfile(t *testing.T, name string, opts testbed.ProfileOptions) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".conf")
	if err := os.WriteFile(path, []byte(n.bed.ProfileText(opts)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := n.cli(t, "profile", "import", path, "--replace"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
}

// connect connects with the CLI and waits for Connected.
func (n *node) connect(t *testing.T, name string) ipc.Status {
	t.Helper()
	if out, err := n.cli(t, "connect", name, "--wait", "--timeout", "40s"); err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	st, err := n.client.Status(context.Background())
	if err != nil || st.State != ipc.Connected {
		t.Fatalf("after connect --wait: %+v, %v", st, err)
	}
	return st
}

// waitState waits, bounded, until the daemon reports want.
func (n *node) waitState(t *testing.T, want ipc.State, within time.Duration) ipc.Status {
	t.Helper()
	var st ipc.Status
	waitFor(t, within, "state "+string(want), func() bool {
		var err error
		st, err = n.client.Status(context.Background())
		return err == nil && st.State == want
	})
	return st
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// probeSeen probes internet over TCP and returns the source it saw.
func (n *node) probeSeen(t *testing.T, addr netip.Addr) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return n.bed.ProbeTCP(ctx, netip.AddrPortFrom(addr, testbed.HTTPPort))
}

// leaks returns the leak counters, failing the test on error.
func (n *node) leaks(t *testing.T) map[string]uint64 {
	t.Helper()
	c, err := n.bed.LeakCounts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func total(c map[string]uint64, prefix string) uint64 {
	var s uint64
	for k, v := range c {
		if strings.HasPrefix(k, prefix) {
			s += v
		}
	}
	return s
}

// report logs a result table and writes it under build/ so `make test`
// prints it even when the test passes.
func report(t *testing.T, file, title, body string) {
	t.Logf("%s:\n%s", title, body)
	if err := os.MkdirAll("../../build", 0o755); err == nil {
		os.WriteFile(filepath.Join("../../build", file), []byte(title+"\n"+body), 0o644)
	}
}
