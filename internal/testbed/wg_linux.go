package testbed

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// uapiDir is where wireguard-go puts its control sockets, shared by all
// namespaces; hence interface names carry the bed id.
const uapiDir = "/var/run/wireguard"

var wgBuild struct {
	once sync.Once
	path string
	err  error
}

// wireguardGo returns the upstream wireguard-go at go.mod's version, built
// once and cached across processes under that version; a build is renamed into
// place, so parallel test binaries never exec a half-written file.
func wireguardGo() (string, error) {
	wgBuild.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		const mod = "golang.zx2c4.com/wireguard"
		version, err := run(ctx, nil, "go", "list", "-m", "-f", "{{.Version}}", mod)
		if wgBuild.err = err; err != nil {
			return
		}
		dir := filepath.Join(os.TempDir(), "palisade-testbed")
		if wgBuild.err = os.MkdirAll(dir, 0o755); wgBuild.err != nil {
			return
		}
		wgBuild.path = filepath.Join(dir, "wireguard-go@"+strings.TrimSpace(string(version)))
		if _, err := os.Stat(wgBuild.path); err == nil {
			return
		}
		tmp := fmt.Sprintf("%s.%d", wgBuild.path, os.Getpid())
		if _, wgBuild.err = run(ctx, nil, "go", "build", "-o", tmp, mod); wgBuild.err != nil {
			return
		}
		wgBuild.err = os.Rename(tmp, wgBuild.path)
	})
	return wgBuild.path, wgBuild.err
}

// newKeys generates the server and client key pairs.
func newKeys() (keys, error) {
	pair := func() (string, string, error) {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return "", "", err
		}
		enc := base64.StdEncoding.EncodeToString
		return enc(k.Bytes()), enc(k.PublicKey().Bytes()), nil
	}
	var k keys
	var err1, err2 error
	k.serverPrivate, k.serverPublic, err1 = pair()
	k.clientPrivate, k.clientPublic, err2 = pair()
	return k, errors.Join(err1, err2)
}

// startWireGuard runs wireguard-go in the foreground in role's namespace,
// configures it from conf, and returns once its UAPI socket answers.
func (b *Bed) startWireGuard(role, ifname, conf string) (*proc, error) {
	bin, err := wireguardGo()
	if err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(uapiDir, ifname+".sock"))
	p, err := startProc(filepath.Join(b.dir, ifname+".log"), "ip", "netns", "exec", b.Namespace(role),
		"env", "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=error", bin, "-f", ifname)
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(b.dir, ifname+".conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		p.kill()
		return nil, err
	}
	for range 100 {
		if p.exited() {
			return nil, fmt.Errorf("wireguard-go %s exited: %v (log %s)", ifname, p.err, filepath.Join(b.dir, ifname+".log"))
		}
		if _, err = b.Exec(role, "wg", "setconf", ifname, confPath); err == nil {
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.kill()
	return nil, fmt.Errorf("configure %s: %w", ifname, err)
}

// StartServer starts the server's wireguard-go with the bed's keys and
// addresses. New calls it; tests call it again after StopServer.
func (b *Bed) StartServer() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.server != nil {
		return errors.New("server already running")
	}
	ifname := b.ServerInterface()
	p, err := b.startWireGuard(RoleServer, ifname, serverConf(b.keys, b.opts.ServerNoIPv6Tunnel))
	if err != nil {
		return err
	}
	cmds := []string{"addr add 10.64.0.1/24 dev " + ifname}
	if !b.opts.ServerNoIPv6Tunnel {
		cmds = append(cmds, "addr add fd64::1/64 dev "+ifname+" nodad")
	}
	if err := b.ipBatch(RoleServer, append(cmds, "link set "+ifname+" up")...); err != nil {
		p.kill()
		return err
	}
	b.server = p
	return nil
}

// StopServer stops the server's wireguard-go; its interface and tunnel
// addresses go with it. Stopping a stopped server is a no-op.
func (b *Bed) StopServer() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.server == nil {
		return nil
	}
	err := b.server.stop()
	b.server = nil
	os.Remove(filepath.Join(uapiDir, b.ServerInterface()+".sock"))
	var exit *exec.ExitError
	if errors.As(err, &exit) && !exit.Exited() {
		return nil // ended by our SIGTERM
	}
	return err
}

// ConnectPlainClient runs a plain wireguard-go client in the client namespace
// with macOS/Windows-style routes (0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1
// through the tunnel, a host route to the endpoint via the LAN gateway) and
// waits for its first handshake. opts (at most one) picks an IPv4-only tunnel
// or the IPv6 endpoint as in ProfileText. The returned func tears it down; it
// also runs at t's cleanup.
func (b *Bed) ConnectPlainClient(t testing.TB, opts ...ProfileOptions) func() {
	t.Helper()
	var o ProfileOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	endpoint, gateway := netip.AddrPortFrom(ServerIPv4, WireGuardPort), LANIPv4
	if o.EndpointIPv6 {
		endpoint, gateway = netip.AddrPortFrom(ServerIPv6, WireGuardPort), LANIPv6
	}
	ifname := "wgc" + b.id
	p, err := b.startWireGuard(RoleClient, ifname, plainClientConf(b.keys, endpoint))
	if err != nil {
		t.Fatalf("testbed: plain client: %v", err)
	}
	hostRoute := netip.PrefixFrom(endpoint.Addr(), endpoint.Addr().BitLen()).String()
	b.mu.Lock()
	b.plain = p
	b.mu.Unlock()
	var once sync.Once
	teardown := func() {
		once.Do(func() {
			b.mu.Lock()
			b.plain = nil
			b.mu.Unlock()
			p.stop()
			os.Remove(filepath.Join(uapiDir, ifname+".sock"))
			if err := b.ipBatch(RoleClient, "route del "+hostRoute); err != nil {
				t.Errorf("testbed: plain client teardown: %v", err)
			}
		})
	}
	t.Cleanup(teardown)
	cmds := []string{"addr add 10.64.0.2/32 dev " + ifname, "link set " + ifname + " up",
		"route add 0.0.0.0/1 dev " + ifname, "route add 128.0.0.0/1 dev " + ifname,
		"route add " + hostRoute + " via " + gateway.String()}
	if !o.IPv4Only && !b.opts.ClientNoIPv6 {
		cmds = append(cmds, "addr add fd64::2/128 dev "+ifname+" nodad",
			"route add ::/1 dev "+ifname, "route add 8000::/1 dev "+ifname)
	}
	if err := b.ipBatch(RoleClient, cmds...); err != nil {
		teardown()
		t.Fatalf("testbed: plain client: %v", err)
	}
	if err := b.waitHandshake(ifname); err != nil {
		teardown()
		t.Fatalf("testbed: plain client: %v", err)
	}
	return teardown
}

// PlainClientPid is the process id of the connected plain client, or 0.
func (b *Bed) PlainClientPid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.plain == nil {
		return 0
	}
	return b.plain.cmd.Process.Pid
}

// waitHandshake polls the client interface until it reports a handshake.
func (b *Bed) waitHandshake(ifname string) error {
	var out []byte
	var err error
	for range 50 {
		out, err = b.Exec(RoleClient, "wg", "show", ifname, "latest-handshakes")
		if f := strings.Fields(string(out)); err == nil && len(f) == 2 && f[1] != "0" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no handshake on %s within 5s (%s, %v)", ifname, strings.TrimSpace(string(out)), err)
}

// MoveServer gives the server's uplink the address to and removes from
// (same family), as when a dynamic-DNS host gets a new address: the
// WireGuard server then answers only on to.
func (b *Bed) MoveServer(from, to netip.Addr) error {
	add := fmt.Sprintf("addr add %s dev eth0 nodad", netip.PrefixFrom(to, 64))
	if to.Is4() {
		// Removing the primary address would take the new, secondary one
		// and the routes with it, unless it is promoted.
		if err := b.sysctl(RoleServer, "net.ipv4.conf.eth0.promote_secondaries=1"); err != nil {
			return err
		}
		add = fmt.Sprintf("addr add %s dev eth0", netip.PrefixFrom(to, 24))
	}
	bits := 64
	if from.Is4() {
		bits = 24
	}
	return b.ipBatch(RoleServer, add, fmt.Sprintf("addr del %s dev eth0", netip.PrefixFrom(from, bits)))
}
