package installtest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// gate holds palisaded back at boot until the test creates /run/palisade-test-go
// (gone at every reboot): the unit starts as it would, but only a shell
// runs, which then becomes palisaded, so systemd's view of the service
// (main PID, stop kind) is the usual one.
const gate = `mkdir -p /etc/systemd/system/palisaded.service.d
cat >/etc/systemd/system/palisaded.service.d/gate.conf <<'END'
[Service]
ExecStart=
ExecStart=/bin/sh -c 'until [ -e /run/palisade-test-go ]; do sleep 0.2; done; exec /usr/bin/palisaded run'
END
`

// TestEarlyBootBlock installs the .deb and reboots the container twice
// with palisaded held back at boot: once with kill switch auto armed (it
// was connected at power-off), once with always. Each time the early-boot
// unit must have run before network-pre.target and put up the block, both
// families, in the table palisaded then takes over (one table, no leak
// through the takeover); disconnected and in auto not armed, a plain stop
// lifts it and both families get out.
func TestEarlyBootBlock(t *testing.T) {
	buildPackages(t) // once per test binary: not part of the time below
	start := time.Now()
	c := bootInstalled(t)
	checkEarlyUnitInstalled(t, c)
	// postinst's start of palisaded pulled the unit in: defaults, auto not
	// armed, nothing to block.
	waitEarlyLog(t, c, `early block: nothing to block" why="kill switch auto, not armed"`)
	if out, err := c.run(time.Minute, "nft list table inet palisade"); err == nil {
		t.Errorf("a table after a fresh install with kill switch auto:\n%s", out)
	}
	connectBed(t, c)
	c.must(gate)

	c.reboot()
	checkEarlyBlocked(t, c, "kill switch auto, armed by a session the user had not ended")
	c.must("touch /run/palisade-test-go")
	waitRestarted(t, c, 0)
	checkTakenOver(t, c)
	c.must("palisade disconnect")
	waitState(t, c, ipc.Disconnected)
	checkStopLifts(t, c)

	c.must("systemctl start palisaded")
	waitAPI(t, c)
	c.must("palisade set killswitch always")
	c.reboot()
	checkEarlyBlocked(t, c, "kill switch always")
	c.must("touch /run/palisade-test-go")
	waitAPI(t, c)
	checkTakenOver(t, c)
	c.must("palisade set killswitch auto")
	checkStopLifts(t, c)
	t.Logf("install, two reboots and their checks took %s", time.Since(start).Round(time.Second))
}

// checkEarlyUnitInstalled checks that the package enabled the early unit,
// that palisaded pulls it in and that it is ordered before
// network-pre.target (which it pulls in) and palisaded.
func checkEarlyUnitInstalled(t *testing.T, c *container) {
	t.Helper()
	if out := c.must("systemctl is-enabled palisaded-early-block"); strings.TrimSpace(out) != "enabled" {
		t.Errorf("palisaded-early-block is %q, want enabled", out)
	}
	props := map[string]string{}
	for _, l := range strings.Split(c.must("systemctl show -p Before -p Wants -p WantedBy -p DefaultDependencies palisaded-early-block"), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			props[k] = " " + v + " "
		}
	}
	for k, want := range map[string]string{"Before": " network-pre.target ", "Wants": " network-pre.target ", "WantedBy": " palisaded.service ", "DefaultDependencies": " no "} {
		if k == "Before" && !strings.Contains(props[k], " palisaded.service ") {
			t.Errorf("palisaded-early-block is not ordered before palisaded.service: Before=%s", props[k])
		}
		if !strings.Contains(props[k], want) {
			t.Errorf("palisaded-early-block: %s=%s, want%s in it", k, props[k], want)
		}
	}
}

// waitEarlyLog waits, for at most 20 s, until the early unit's log of this
// boot holds text (journald may still be reading it).
func waitEarlyLog(t *testing.T, c *container, text string) {
	t.Helper()
	var out string
	for range 80 {
		out, _ = c.run(time.Minute, "journalctl -b -u palisaded-early-block --no-pager -o cat")
		if strings.Contains(out, text) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the early unit's log lacks %q:\n%s", text, out)
}

var rejectedRE = regexp.MustCompile(`counter packets (\d+) bytes \d+ reject`)

// checkEarlyBlocked checks a boot with palisaded held back: the early unit
// ran, succeeded and finished before network-pre.target was reached,
// logging why; palisaded has not started; the table holds both families'
// rules; and with the network up (the peer) a prober's TCP, UDP, ICMP and
// DNS of both families are rejected and none reaches the peer.
func checkEarlyBlocked(t *testing.T, c *container, why string) {
	t.Helper()
	waitEarlyLog(t, c, `early block: traffic blocked until palisaded starts" why="`+why+`"`)
	out := c.must("systemctl show -p Result --value palisaded-early-block; systemctl show -p ExecMainExitTimestampMonotonic --value palisaded-early-block; systemctl show -p ActiveEnterTimestampMonotonic --value network-pre.target")
	f := strings.Fields(out)
	if len(f) != 3 || f[0] != "success" {
		t.Fatalf("early unit result, exit time, network-pre.target time: %q", out)
	}
	exited, _ := strconv.ParseUint(f[1], 10, 64)
	reached, _ := strconv.ParseUint(f[2], 10, 64)
	if exited == 0 || reached == 0 || exited > reached {
		t.Errorf("the early unit exited at %d µs, network-pre.target was reached at %d µs: not before", exited, reached)
	}
	if out, err := c.run(time.Minute, "pgrep -x palisaded"); err == nil {
		t.Fatalf("palisaded runs already (pid %s): the check would not show the early unit's block", out)
	}
	table := c.must("nft list table inet palisade")
	for _, rule := range []string{"# DHCPv4", "# DHCPv6", "accept ip to {", "accept ip6 to {", "reject (other: icmp admin-prohibited) # kill switch"} {
		if !strings.Contains(table, rule) {
			t.Errorf("the early block lacks the rule %q:\n%s", rule, table)
		}
	}
	c.must(netSetup)
	c.must(leakCounters)
	c.must("systemd-run --unit=palisade-probe --property=Type=exec " + shareDir + "/peer probe")
	// The prober has sent enough of everything once the table has
	// rejected a hundred packets.
	rejected := 0
	for i := 0; i < 120 && rejected < 100; i++ {
		rejected = 0
		for _, m := range rejectedRE.FindAllStringSubmatch(c.must("nft list chain inet palisade output"), -1) {
			n, _ := strconv.Atoi(m[1])
			rejected += n
		}
		time.Sleep(250 * time.Millisecond)
	}
	if rejected < 100 {
		t.Fatalf("the early block rejected %d packets of the prober in 30 s", rejected)
	}
	if got := leaks(t, c); total(got) != 0 {
		t.Errorf("outside the tunnel under the early block: %v", got)
	}
}

// checkTakenOver checks that palisaded, started on the early block,
// replaced it with its own policy in the same table (one palisade table,
// engaged) and that nothing got out meanwhile: the prober ran throughout.
func checkTakenOver(t *testing.T, c *container) {
	t.Helper()
	if st := status(t, c); !st.KillSwitchEngaged {
		t.Errorf("palisaded started on the early block reports the kill switch disengaged: %+v", st)
	}
	if n := strings.Count(c.must("nft list tables"), "palisade"); n != 1 {
		t.Errorf("%d palisade tables after palisaded's start, want 1:\n%s", n, c.must("nft list tables"))
	}
	if got := leaks(t, c); total(got) != 0 {
		t.Errorf("outside the tunnel while palisaded took over the early block: %v\n%s", got, c.journal())
	}
}
