package installtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// Inside the container the peer lives in namespace "peer", linked to the
// container's own namespace (the "host" with the package) by wan0 ↔ eth0,
// with the bed's server addresses; the host routes both families through it.
const netSetup = `set -e
ip netns add peer
ip link add wan0 type veth peer name eth0 netns peer
ip addr add 198.51.100.1/24 dev wan0
ip addr add 2001:db8:100::1/64 dev wan0 nodad
ip link set wan0 up
ip -n peer link set lo up
ip -n peer addr add 198.51.100.2/24 dev eth0
ip -n peer addr add 2001:db8:100::2/64 dev eth0 nodad
ip -n peer link set eth0 up
ip route add default via 198.51.100.2
ip -6 route add default via 2001:db8:100::2
# Settled: duplicate address detection done, so no local route appears later.
for i in $(seq 50); do [ -z "$(ip -6 addr show tentative; ip -n peer -6 addr show tentative)" ] && break; sleep 0.2; done
systemd-run --unit=palisade-peer --property=Type=exec ip netns exec peer ` + shareDir + `/peer serve ` + shareDir + `/server.conf
for i in $(seq 50); do ip -n peer addr show dev wgs 2>/dev/null | grep -q fd64::1 && exit 0; sleep 0.2; done
journalctl -u palisade-peer --no-pager; exit 1
`

// ispResolvConf is the resolv.conf the "ISP" handed out: the peer host's own
// DNS server, which does not know the tunnel's names.
const ispResolvConf = "nameserver 198.51.100.2\nnameserver 2001:db8:100::2\n"

// variant is one kind of host DNS setup the package is installed on.
type variant struct {
	name    string
	manager string // what palisaded must pick (status dns.manager)
	setup   string // run in the booted container before the install
}

var variants = []variant{
	{"resolv.conf", "file", ""},
	{"systemd-resolved", "systemd-resolved", `set -e
apt-get install -y -q --no-download --no-install-recommends systemd-resolved
mkdir -p /etc/systemd/resolved.conf.d
printf '[Resolve]\nDNS=198.51.100.2 2001:db8:100::2\n' >/etc/systemd/resolved.conf.d/isp.conf
systemctl enable systemd-resolved
systemctl restart systemd-resolved
ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
resolvectl status >/dev/null`},
	{"resolvconf", "resolvconf", `set -e
apt-get install -y -q --no-download --no-install-recommends resolvconf
printf 'nameserver 198.51.100.2\nnameserver 2001:db8:100::2\n' | resolvconf -a wan0.inet
test -L /etc/resolv.conf && grep -q 198.51.100.2 /etc/resolv.conf`},
}

// TestDebInstall installs the .deb on a freshly booted Debian per DNS
// variant and checks the service, its sandbox, who may connect, the tunnel
// and its DNS, the kill switch, restarts and stops, disconnect and purge.
func TestDebInstall(t *testing.T) {
	buildPackages(t)
	rootfs := cachedRootfs(t)
	writePeer(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			start := time.Now()
			installAndCheck(t, rootfs, v)
			t.Logf("%s variant took %s", v.name, time.Since(start).Round(time.Second))
		})
	}
}

// writePeer writes a fresh WireGuard peer's configuration (server.conf)
// and the matching profile (bed.conf) where containers see them.
func writePeer(t *testing.T) {
	t.Helper()
	peer, err := testbed.NewPeer()
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"server.conf": peer.ServerConf(), "bed.conf": peer.Profile(testbed.ProfileOptions{})} {
		if err := os.WriteFile(filepath.Join(built.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// bootWithPeer boots a container whose resolv.conf is the ISP's, with the
// peer namespace serving the tunnel.
func bootWithPeer(t *testing.T, rootfs string) *container {
	t.Helper()
	c := boot(t, rootfs, built.dir, func(root string) error {
		os.Remove(filepath.Join(root, "etc/resolv.conf"))
		return os.WriteFile(filepath.Join(root, "etc/resolv.conf"), []byte(ispResolvConf), 0o644)
	})
	c.must(netSetup)
	return c
}

func installAndCheck(t *testing.T, rootfs string, v variant) {
	c := bootWithPeer(t, rootfs)
	if v.setup != "" {
		c.must(v.setup)
	}
	before := c.must(snapshot)
	resolvBefore := c.must("cat /etc/resolv.conf")

	deb := shareDir + "/" + filepath.Base(built.deb)
	c.must("dpkg -i " + deb)
	checkService(t, c)
	if out := c.must("getent group palisade"); !strings.HasPrefix(out, "palisade:") {
		t.Errorf("palisade group: %q", out)
	}
	if out, err := c.run(time.Minute, "palisaded install"); err == nil || !strings.Contains(out, "already installed by a package") {
		t.Errorf("palisaded install with the packaged unit: %v\n%s", err, out)
	}
	if _, err := c.run(time.Minute, "test ! -e /etc/systemd/system/palisaded.service"); err != nil {
		t.Error("palisaded install wrote a second unit into /etc/systemd/system")
	}

	// The packaged bash completion, loaded as bash-completion would.
	if out := c.must(`bash -c 'source /usr/share/bash-completion/completions/palisade; COMP_WORDS=(palisade set kill); COMP_CWORD=2; _palisade; echo "${COMPREPLY[*]}"'`); strings.TrimSpace(out) != "killswitch" {
		t.Errorf("bash completion of 'palisade set kill': %q", out)
	}

	c.must("useradd -m -G palisade alice && useradd -m bob")
	c.must("palisade profile import " + shareDir + "/bed.conf --name bed")
	if out, err := c.run(time.Minute, "runuser -u bob -- palisade connect bed"); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("bob (not in the palisade group) connecting: %v\n%s", err, out)
	}
	if st := status(t, c); st.State != ipc.Disconnected {
		t.Fatalf("after bob's refused connect the state is %s", st.State)
	}
	if out, err := c.run(time.Minute, "runuser -u alice -- palisade connect bed"); err != nil {
		t.Fatalf("alice (in the palisade group) connecting: %v\n%s", err, out)
	}
	waitState(t, c, ipc.Connected)
	st := status(t, c)
	if st.State != ipc.Connected || st.DNS.Manager != v.manager {
		t.Errorf("connected status: state %s, DNS manager %q (want %q)", st.State, st.DNS.Manager, v.manager)
	}
	checkTunnelDNS(t, c)
	if out, err := c.run(time.Minute, "nft list table inet palisade"); err != nil {
		t.Errorf("kill switch table while connected: %v\n%s", err, out)
	}
	checkRestartKeepsBlock(t, c)

	c.must("runuser -u alice -- palisade disconnect")
	waitState(t, c, ipc.Disconnected)
	if got := c.must("cat /etc/resolv.conf"); got != resolvBefore {
		t.Errorf("resolv.conf after disconnect:\n%s\nwant as before:\n%s", got, resolvBefore)
	}

	// Purge while connected, with the kill switch set to always (whose
	// block outlives a stop on purpose): nothing may stay behind, or the
	// machine stays offline with nothing installed to lift the block.
	c.must("palisade set killswitch always")
	c.must("palisade connect bed")
	waitState(t, c, ipc.Connected)
	c.must("apt-get purge -y -q palisade")
	for _, p := range []string{"/usr/lib/systemd/system/palisaded.service", "/usr/lib/systemd/system/palisaded-early-block.service",
		"/etc/systemd/system/palisaded.service.wants/palisaded-early-block.service", "/var/lib/palisade", "/usr/bin/palisaded"} {
		if out, err := c.run(time.Minute, "test ! -e "+p); err != nil {
			t.Errorf("%s is still there after purge %s", p, out)
		}
	}
	if out, err := c.run(time.Minute, "systemctl cat palisaded.service || systemctl cat palisaded-early-block.service"); err == nil {
		t.Errorf("systemd still knows the unit after purge:\n%s", out)
	}
	if out, err := c.run(time.Minute, "nft list table inet palisade"); err == nil {
		t.Errorf("kill switch table left after purge:\n%s", out)
	}
	if after := c.must(snapshot); after != before {
		t.Errorf("routes, rules or addresses changed by install and purge:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := c.must("cat /etc/resolv.conf"); got != resolvBefore {
		t.Errorf("resolv.conf after purge:\n%s\nwant as before:\n%s\n%s", got, resolvBefore, c.journal())
	}
}

// snapshot lists the routes, policy rules and addresses of both families,
// without lifetimes that tick.
const snapshot = `ip -4 route show table all; ip -6 route show table all | grep -v expires; ip -4 rule; ip -6 rule; ip -br addr`

// checkService checks the unit is enabled and running, and that the running
// process carries the sandbox: the capability bounding set, no new
// privileges, a seccomp filter (RestrictAddressFamilies and friends) and a
// read-only root (ProtectSystem=strict) with resolv.conf writable.
func checkService(t *testing.T, c *container) {
	t.Helper()
	if out := c.must("systemctl is-enabled palisaded; systemctl is-active palisaded"); out != "enabled\nactive\n" {
		t.Fatalf("unit is-enabled/is-active: %q\n%s", out, c.journal())
	}
	pid := strings.TrimSpace(strings.TrimPrefix(c.must("systemctl show -p MainPID palisaded"), "MainPID="))
	stat := c.must("grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/" + pid + "/status")
	// CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13).
	for _, want := range []string{"CapBnd:\t0000000000003400", "NoNewPrivs:\t1", "Seccomp:\t2"} {
		if !strings.Contains(stat, want) {
			t.Errorf("palisaded (pid %s) lacks %q in its status:\n%s", pid, want, stat)
		}
	}
	// DevicePolicy=closed with DeviceAllow=/dev/net/tun: a shell moved into
	// the service's cgroup may open the TUN device but not another device
	// node (a /dev/fuse made for the test, since the container's /dev holds
	// only what "closed" allows anyway), which a shell outside opens.
	dev := c.must(`mknod -m 600 /root/test-fuse c 10 229
( exec 4<>/root/test-fuse ) && echo outside-allowed
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/` + pid + `/cgroup)
sh -c "echo \$\$ >$cg/cgroup.procs && ( exec 3<>/dev/net/tun ) && echo tun-allowed; ( exec 4<>/root/test-fuse ) 2>&1 || true"
rm /root/test-fuse`)
	if !strings.HasPrefix(dev, "outside-allowed\ntun-allowed\n") || !strings.Contains(dev, "Operation not permitted") {
		t.Errorf("device access in palisaded's cgroup: %q, want the TUN device allowed and another device refused", dev)
	}
	mounts := c.must("nsenter -t " + pid + " -m findmnt -n -o TARGET,OPTIONS --list /; nsenter -t " + pid + " -m findmnt -n -o TARGET,OPTIONS --list /etc/resolv.conf || true")
	for _, line := range strings.Split(strings.TrimSpace(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		ro := strings.HasPrefix(f[1], "ro,") || f[1] == "ro"
		if (f[0] == "/") != ro {
			t.Errorf("in palisaded's mount namespace %s is mounted %s", f[0], f[1])
		}
	}
}

// checkTunnelDNS asks the resolver on both its addresses, and the system's
// resolver path, for a name only the tunnel's DNS server knows.
func checkTunnelDNS(t *testing.T, c *container) {
	t.Helper()
	for _, q := range []struct{ server, qtype, want string }{
		{"127.80.73.65", "A", testbed.TunnelNameIPv4.String()},
		{"fe80::80:73:65%lo", "AAAA", testbed.TunnelNameIPv6.String()},
	} {
		out, err := c.run(time.Minute, shareDir+"/peer dig "+q.server+" "+testbed.TunnelName+" "+q.qtype)
		if err != nil || strings.TrimSpace(out) != q.want {
			t.Errorf("%s %s at %s: %v %q, want %s", testbed.TunnelName, q.qtype, q.server, err, out, q.want)
		}
	}
	out, err := c.run(time.Minute, "getent ahosts "+strings.TrimSuffix(testbed.TunnelName, "."))
	if err != nil || !strings.Contains(out, testbed.TunnelNameIPv4.String()) || !strings.Contains(out, testbed.TunnelNameIPv6.String()) {
		t.Errorf("system lookup of %s: %v\n%s", testbed.TunnelName, err, out)
	}
}

func status(t *testing.T, c *container) ipc.Status {
	t.Helper()
	var st ipc.Status
	out := c.must("palisade status --json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	return st
}

// waitState polls the status until it reaches want, for at most 2 min: a
// first handshake can time out on a loaded machine, and the service then
// retries by itself.
func waitState(t *testing.T, c *container, want ipc.State) {
	t.Helper()
	var st ipc.Status
	for range 240 {
		if st = status(t, c); st.State == want {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	peer, _ := c.run(time.Minute, "journalctl -u palisade-peer --no-pager -n 20")
	t.Fatalf("state %s (%s), want %s\n%s\n%s", st.State, st.LastError, want, c.journal(), peer)
}

// journal is the service's log, for failures.
func (c *container) journal() string {
	out, _ := c.run(time.Minute, "journalctl -u palisaded --no-pager -n 60")
	return out
}
