package testbed

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// execTimeout bounds every helper command; none should take near this long.
const execTimeout = 30 * time.Second

// Bed is one running test bed. Its methods are safe for concurrent use.
type Bed struct {
	t    testing.TB
	opts Options
	id   string
	dir  string
	keys keys

	mu       sync.Mutex
	server   *proc
	plain    *proc       // the plain client, while connected
	nat64    []*proc     // tayga and unbound (Options.NAT64)
	ads      *Advertiser // router advertisements (Options.PREF64)
	services services
}

// New builds a bed and removes it at t's cleanup, also when the test fails.
// It skips t when not root and fails it when the needed tools are missing.
func New(t testing.TB, opts Options) *Bed {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("testbed: needs root to create network namespaces")
	}
	for _, tool := range []string{"ip", "nft", "wg", "ping", "unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("testbed: %s not found; run scripts/deps.sh", tool)
		}
	}
	collectStale()
	k, err := newKeys()
	if err != nil {
		t.Fatal(err)
	}
	b := &Bed{t: t, opts: opts, dir: t.TempDir(), keys: k}
	if b.id, err = claimID(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	if err := b.build(); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return b
}

// Namespace returns the network namespace name of role.
func (b *Bed) Namespace(role string) string { return "pal-" + role + "-" + b.id }

// ServerInterface is the server peer's WireGuard interface name.
func (b *Bed) ServerInterface() string { return "wgs" + b.id }

// ServerPublicKey is the server peer's public key, base64.
func (b *Bed) ServerPublicKey() string { return b.keys.serverPublic }

// ProfileText returns the client's wg-quick profile for this bed.
func (b *Bed) ProfileText(opts ProfileOptions) string { return renderProfile(b.keys, opts) }

// Exec runs a command inside role's namespace (ip netns exec) and returns its
// combined output.
func (b *Bed) Exec(role string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	return run(ctx, nil, append([]string{"ip", "netns", "exec", b.Namespace(role)}, args...)...)
}

// Do runs fn on a locked OS thread inside role's namespace. Sockets fn creates
// stay in that namespace; goroutines fn starts do not run in it.
func (b *Bed) Do(role string, fn func() error) error {
	target, err := netns.GetFromName(b.Namespace(role))
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", b.Namespace(role), err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			// Leave the thread locked: it exits with this goroutine instead of
			// going back to the scheduler inside the wrong namespace.
			errc <- errors.Join(ferr, fmt.Errorf("restore namespace: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// ipBatch runs ip commands inside role's namespace in one process.
func (b *Bed) ipBatch(role string, cmds ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	_, err := run(ctx, []byte(strings.Join(cmds, "\n")+"\n"), "ip", "-n", b.Namespace(role), "-batch", "-")
	return err
}

// sysctl sets kernel parameters inside role's namespace.
func (b *Bed) sysctl(role string, settings ...string) error {
	_, err := b.Exec(role, append([]string{"sysctl", "-q", "-w"}, settings...)...)
	return err
}

// build creates the namespaces, links and services in dependency order.
func (b *Bed) build() error {
	for _, role := range roles {
		if _, err := run(context.Background(), nil, "ip", "netns", "add", b.Namespace(role)); err != nil {
			return err
		}
		// DAD would leave fresh IPv6 addresses tentative for a second or more.
		settings := []string{"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"}
		switch {
		case role == RoleLAN || role == RoleServer:
			settings = append(settings, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
		case role == RoleClient && b.opts.ClientNoIPv6:
			settings = append(settings, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
		}
		if err := b.sysctl(role, settings...); err != nil {
			return err
		}
	}
	if err := b.links(); err != nil {
		return err
	}
	if b.opts.ClientNoIPv6 {
		err := b.sysctl(RoleClient, "net.ipv6.conf.eth0.disable_ipv6=1", "net.ipv6.conf.lo.disable_ipv6=1")
		if err != nil {
			return err
		}
	}
	if err := b.nft(RoleInternet, leakRules+tunnelRules+outsideRules); err != nil {
		return err
	}
	if err := b.nft(RoleServer, masqueradeRules); err != nil {
		return err
	}
	if err := b.StartServer(); err != nil {
		return err
	}
	if err := b.startServices(); err != nil {
		return err
	}
	if b.opts.NAT64 {
		return b.startNAT64()
	}
	return nil
}

// masqueradeRules NAT the tunnel subnets out of the server's uplink.
const masqueradeRules = `table inet palnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth0" ip saddr 10.64.0.0/24 masquerade
		oifname "eth0" ip6 saddr fd64::/64 masquerade
	}
}
`

// nft loads a ruleset into role's namespace.
func (b *Bed) nft(role, rules string) error {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	_, err := run(ctx, []byte(rules), "ip", "netns", "exec", b.Namespace(role), "nft", "-f", "-")
	return err
}

// links wires lan to the three other namespaces and addresses everything.
func (b *Bed) links() error {
	lan := []string{"link set lo up"}
	for _, l := range []struct{ local, role string }{{"lan0", RoleClient}, {"wan0", RoleServer}, {"inet0", RoleInternet}} {
		lan = append(lan, fmt.Sprintf("link add %s type veth peer name eth0 netns %s", l.local, b.Namespace(l.role)))
	}
	if !b.opts.LANIPv6Only {
		lan = append(lan, "addr add 192.168.50.1/24 dev lan0")
	}
	lan = append(lan,
		"addr add fd50::1/64 dev lan0 nodad",
		"addr add 2001:db8:50::1/64 dev lan0 nodad",
		"addr add 198.51.100.1/24 dev wan0",
		"addr add 2001:db8:100::1/64 dev wan0 nodad",
		"addr add 203.0.113.1/24 dev inet0",
		"addr add 2001:db8:200::1/64 dev inet0 nodad",
		"link set lan0 up", "link set wan0 up", "link set inet0 up")
	if err := b.ipBatch(RoleLAN, lan...); err != nil {
		return err
	}
	client := []string{"link set lo up", "link set eth0 up"}
	if !b.opts.LANIPv6Only {
		client = append(client, "addr add 192.168.50.2/24 dev eth0", "route add default via 192.168.50.1")
	}
	if !b.opts.ClientNoIPv6 {
		client = append(client, "addr add fd50::2/64 dev eth0 nodad",
			"addr add 2001:db8:50::2/64 dev eth0 nodad", "route add default via 2001:db8:50::1")
	}
	if err := b.ipBatch(RoleClient, client...); err != nil {
		return err
	}
	for _, h := range []struct{ role, v4, v6, gw4, gw6 string }{
		{RoleServer, "198.51.100.2/24", "2001:db8:100::2/64", "198.51.100.1", "2001:db8:100::1"},
		{RoleInternet, "203.0.113.10/24", "2001:db8:200::10/64", "203.0.113.1", "2001:db8:200::1"},
	} {
		err := b.ipBatch(h.role, "link set lo up", "addr add "+h.v4+" dev eth0",
			"addr add "+h.v6+" dev eth0 nodad", "link set eth0 up",
			"route add default via "+h.gw4, "route add default via "+h.gw6)
		if err != nil {
			return err
		}
	}
	return nil
}

// close tears everything down; errors are logged, not fatal, so the rest of
// the teardown still runs.
func (b *Bed) close() {
	b.stopNAT64()
	b.services.close()
	if err := b.StopServer(); err != nil {
		b.t.Logf("testbed: stop server: %v", err)
	}
	if b.t.Failed() {
		logs, _ := filepath.Glob(filepath.Join(b.dir, "*.log"))
		for _, l := range logs {
			out, _ := os.ReadFile(l)
			b.t.Logf("testbed: %s:\n%s", filepath.Base(l), out)
		}
	}
	removeBed(b.id)
}

// run executes a command and returns its combined output, with the output in
// the error on failure.
func run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// stateDir records which process owns which bed, so a later run can remove
// beds whose owner was killed before its cleanup ran.
const stateDir = "/run/palisade-testbed"

// claimPrefix names the owner records claimID is still writing.
const claimPrefix = "claim-"

// claimID picks an unused bed id and records this process as its owner.
// The record appears whole (written aside, then linked to the id): another
// test package's collectStale that read it empty, between its creation and
// the write, took the bed for a dead one and deleted its namespaces.
func claimID() (string, error) {
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(stateDir, claimPrefix)
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	_, err = fmt.Fprintf(f, "%d\n", os.Getpid())
	if err := errors.Join(err, f.Close()); err != nil {
		return "", err
	}
	for range 16 {
		var raw [3]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return "", err
		}
		id := hex.EncodeToString(raw[:])
		err := os.Link(f.Name(), filepath.Join(stateDir, id))
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", errors.New("no free bed id")
}
