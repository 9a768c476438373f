package installtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/logging"
)

// leakCounters makes the peer namespace the internet as well: it gets the
// internet host's addresses, and a table counting, per family, what
// arrives from the host outside the tunnel (everything on eth0 but the
// WireGuard port and neighbour discovery), port 53 apart.
var leakCounters = fmt.Sprintf(`set -e
ip -n peer addr add %s/32 dev lo
ip -n peer addr add %s/128 dev lo
ip netns exec peer nft -f - <<'END'
table inet leak {
	chain pre {
		type filter hook prerouting priority -300;
		iifname != "eth0" accept
		udp dport %d accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept
		ip6 saddr fe80::/10 accept
		meta nfproto ipv4 meta l4proto { tcp, udp } th dport 53 counter accept comment "dns4"
		meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 counter accept comment "dns6"
		meta nfproto ipv4 counter comment "ipv4"
		meta nfproto ipv6 counter comment "ipv6"
	}
}
END
`, testbed.InternetIPv4, testbed.InternetIPv6, testbed.WireGuardPort)

var counterRE = regexp.MustCompile(`counter packets (\d+) bytes \d+ (?:accept )?comment "(\w+)"`)

// leaks reads the peer's counters: packets from the host outside the
// tunnel, by kind.
func leaks(t *testing.T, c *container) map[string]int {
	t.Helper()
	out := c.must("ip netns exec peer nft list chain inet leak pre")
	got := map[string]int{}
	for _, m := range counterRE.FindAllStringSubmatch(out, -1) {
		got[m[2]], _ = strconv.Atoi(m[1])
	}
	if len(got) != 4 {
		t.Fatalf("leak counters: %v in\n%s", got, out)
	}
	return got
}

func total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// checkRestartKeepsBlock restarts the connected service (kill switch
// auto) the two ways systemd brings it back, `systemctl restart` and a
// SIGTERM to it under Restart=always, while a prober sends TCP, UDP, ICMP
// and DNS of both families without pause: nothing may reach the peer
// outside the tunnel until the new process has reconnected. A plain
// `systemctl stop` then lifts the block: both families and DNS get out.
// The service is left connected.
func checkRestartKeepsBlock(t *testing.T, c *container) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("restart and stop checks took %s", time.Since(start).Round(100*time.Millisecond)) }()
	c.must(leakCounters)
	c.must("systemd-run --unit=palisade-probe --property=Type=exec " + shareDir + "/peer probe")
	defer c.run(time.Minute, "systemctl stop palisade-probe")
	if got := leaks(t, c); total(got) != 0 {
		t.Errorf("outside the tunnel while connected: %v", got)
	}
	for _, restart := range []string{
		"systemctl restart palisaded",
		"systemctl kill --kill-who=main --signal=SIGTERM palisaded",
	} {
		before := mainPID(t, c)
		c.must(restart)
		waitRestarted(t, c, before)
		if got := leaks(t, c); total(got) != 0 {
			t.Errorf("%s while connected with kill switch auto: reached the internet outside the tunnel %v\n%s", restart, got, c.journal())
		}
	}
	// journald may still be reading the old processes' output.
	var kept string
	for range 40 {
		if kept = strings.TrimSpace(c.must("journalctl -u palisaded --no-pager -o cat | grep -c 'block stays.*stop=restart' || true")); kept == "2" {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if kept != "2" {
		t.Errorf("log lines of a kept block on restart: %q, want 2\n%s", kept, c.journal())
	}

	checkStopLifts(t, c)
	c.must("systemctl start palisaded")
	waitRestarted(t, c, 0)
}

// checkStopLifts stops palisaded, disconnected or connected with kill
// switch auto (a plain stop: the block goes), and waits until the running
// prober's packets of both families and DNS reach the peer; the table must
// be gone. It stops the prober.
func checkStopLifts(t *testing.T, c *container) {
	t.Helper()
	c.must("systemctl stop palisaded")
	var got map[string]int
	for range 60 {
		if got = leaks(t, c); got["ipv4"] > 0 && got["ipv6"] > 0 && got["dns4"] > 0 && got["dns6"] > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got["ipv4"] == 0 || got["ipv6"] == 0 || got["dns4"] == 0 || got["dns6"] == 0 {
		t.Errorf("after systemctl stop the block still holds (or the prober sent nothing): %v\n%s", got, c.journal())
	}
	t.Logf("outside the tunnel once stopped: %v", got)
	if out, err := c.run(time.Minute, "nft list table inet palisade"); err == nil {
		t.Errorf("kill switch table left after systemctl stop:\n%s", out)
	}
	c.must("systemctl stop palisade-probe")
}

// waitAPI waits, for at most 2 min, until the service answers: systemd
// reports a simple unit started as soon as it has forked it.
func waitAPI(t *testing.T, c *container) {
	t.Helper()
	var out string
	var err error
	for range 240 {
		if out, err = c.run(time.Minute, "palisade status"); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("the service does not answer: %v\n%s\n%s", err, out, c.journal())
}

func mainPID(t *testing.T, c *container) int {
	t.Helper()
	out := c.must("systemctl show -p MainPID --value palisaded")
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("MainPID: %q", out)
	}
	return pid
}

// waitRestarted waits, for at most 2 min, until a process other than old
// is the unit's main process and reports connected (it reconnects by
// itself: the journal says it was connected). The API is missing while
// the service is down, so failed status calls are retried.
func waitRestarted(t *testing.T, c *container, old int) {
	t.Helper()
	var last string
	for range 240 {
		out, err := c.run(time.Minute, "systemctl show -p MainPID --value palisaded; palisade status --json")
		last = out
		pid, rest, _ := strings.Cut(out, "\n")
		var st ipc.Status
		if err == nil && pid != "0" && pid != strconv.Itoa(old) && json.Unmarshal([]byte(rest), &st) == nil && st.State == ipc.Connected {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("not connected again after the restart (main pid was %d): %s\n%s", old, last, c.journal())
}

// bootInstalled boots a container with the peer and installs the .deb,
// returning once the service answers.
func bootInstalled(t *testing.T) *container {
	t.Helper()
	buildPackages(t)
	rootfs := cachedRootfs(t)
	writePeer(t)
	c := bootWithPeer(t, rootfs)
	c.must("dpkg -i " + shareDir + "/" + filepath.Base(built.deb))
	waitAPI(t, c)
	return c
}

// connectBed imports the peer's profile and connects to it.
func connectBed(t *testing.T, c *container) {
	t.Helper()
	c.must("palisade profile import " + shareDir + "/bed.conf --name bed && palisade connect bed")
	waitState(t, c, ipc.Connected)
}

// TestShutdownKeepsBlock powers the container off while the service is
// connected with kill switch auto: systemd's system state is then
// "stopping", and the service keeps the block on the way down instead of
// lifting it while the rest of the system still runs. The container's
// network is gone with it, so the service's own log (in the state
// directory, on the container's disk) is what shows it.
func TestShutdownKeepsBlock(t *testing.T) {
	buildPackages(t) // once per test binary: not part of the time below
	start := time.Now()
	c := bootInstalled(t)
	connectBed(t, c)
	c.powerOff()
	b, err := os.ReadFile(filepath.Join(c.root, "var/lib/palisade", logging.FileName))
	if err != nil {
		t.Fatal(err)
	}
	_, stopping, ok := strings.Cut(string(b), "palisaded stopping")
	if !ok || !strings.Contains(stopping, "block stays") || !strings.Contains(stopping, `stop="system shutdown"`) || strings.Contains(stopping, "firewall removed") {
		t.Errorf("the service's log of a stop at power-off does not show the block kept for a system shutdown:\n%s", tail(b, 3000))
	}
	t.Logf("boot, install, connect and power-off took %s", time.Since(start).Round(time.Second))
}
