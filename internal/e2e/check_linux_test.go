package e2e

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/selfcheck"
)

// fault is a leak or a broken protection staged behind the service's back,
// and the one self-check item it must turn red.
type fault struct {
	name  string
	item  string
	stage func(t *testing.T, n *node)
	undo  func(t *testing.T, n *node)
}

// TestSelfCheck runs `palisade check` on a connected client: every item is
// green (the outside test asks the bed's "what is my IP" service over both
// families), and each fault staged behind the service's back turns its own
// item red and no other; undone, the report is green again.
func TestSelfCheck(t *testing.T) {
	t.Run("dual-stack", func(t *testing.T) {
		n := start(t, testbed.Options{})
		n.importProfile(t, "bed", testbed.ProfileOptions{})
		n.connect(t, "bed")
		n.enableOutsideCheck(t)
		r := n.checkGreen(t)
		for id, want := range map[string]string{
			ipc.CheckRoute4:   "goes through the tunnel",
			ipc.CheckRoute6:   "goes through the tunnel",
			ipc.CheckOutside4: "saw " + testbed.ServerIPv4.String(),
			ipc.CheckOutside6: "saw " + testbed.ServerIPv6.String(),
		} {
			if it, _ := r.Item(id); !strings.Contains(it.Detail, want) {
				t.Errorf("%s: %q does not say %q", id, it.Detail, want)
			}
		}
		for _, f := range []fault{
			routeFault(selfcheck.Probe4, testbed.LANIPv4, ipc.CheckRoute4),
			routeFault(selfcheck.Probe6, testbed.LANIPv6, ipc.CheckRoute6),
			{"endpoint blackholed", ipc.CheckEndpoint,
				func(t *testing.T, n *node) { n.ip(t, "route", "add", "blackhole", testbed.ServerIPv4.String()) },
				func(t *testing.T, n *node) { n.ip(t, "route", "del", "blackhole", testbed.ServerIPv4.String()) }},
			{"firewall rule deleted", ipc.CheckFirewall, deleteLastRule, reapplyFirewall},
			{"resolv.conf replaced", ipc.CheckDNS, replaceResolvConf, restoreResolvConf},
		} {
			n.expectFault(t, f)
		}
	})
	// Over an IPv6 endpoint the tunnel still carries both families, and the
	// endpoint item follows the IPv6 route of the WireGuard socket.
	t.Run("ipv6-endpoint", func(t *testing.T) {
		n := start(t, testbed.Options{})
		n.importProfile(t, "bed6", testbed.ProfileOptions{EndpointIPv6: true})
		n.connect(t, "bed6")
		n.enableOutsideCheck(t)
		r := n.checkGreen(t)
		if it, _ := r.Item(ipc.CheckEndpoint); !strings.Contains(it.Detail, testbed.ServerIPv6.String()) {
			t.Errorf("endpoint item %q does not name the IPv6 endpoint", it.Detail)
		}
		ep := testbed.ServerIPv6.String()
		n.expectFault(t, fault{"IPv6 endpoint blackholed", ipc.CheckEndpoint,
			func(t *testing.T, n *node) { n.ip(t, "-6", "route", "add", "blackhole", ep) },
			func(t *testing.T, n *node) { n.ip(t, "-6", "route", "del", "blackhole", ep) }})
	})
	// An IPv4-only tunnel blocks IPv6 (kill switch off: the family block
	// alone); the block's route going missing is a leak of its own item.
	t.Run("ipv4-only", func(t *testing.T) {
		n := start(t, testbed.Options{ServerNoIPv6Tunnel: true})
		if out, err := n.cli(t, "set", "killswitch", "off"); err != nil {
			t.Fatalf("set killswitch off: %v\n%s", err, out)
		}
		n.importProfile(t, "v4", testbed.ProfileOptions{IPv4Only: true})
		n.connect(t, "v4")
		n.enableOutsideCheck(t)
		r := n.checkGreen(t)
		if it, _ := r.Item(ipc.CheckRoute6); !strings.Contains(it.Detail, "blocked") {
			t.Errorf("route6 of a v4-only tunnel: %q, want it blocked", it.Detail)
		}
		if it, _ := r.Item(ipc.CheckOutside6); !strings.Contains(it.Detail, "cannot be reached") {
			t.Errorf("outside6 of a v4-only tunnel: %q", it.Detail)
		}
		n.expectFault(t, blockRouteFault("-6", ipc.CheckRoute6))
	})
	// The mirror: an IPv6-only tunnel blocks IPv4.
	t.Run("ipv6-only", func(t *testing.T) {
		n := start(t, testbed.Options{})
		n.connectKillSwitchOff(t, testbed.ProfileOptions{IPv6Only: true})
		n.enableOutsideCheck(t)
		r := n.checkGreen(t)
		if it, _ := r.Item(ipc.CheckRoute4); !strings.Contains(it.Detail, "IPv4 is blocked") {
			t.Errorf("route4 of a v6-only tunnel: %q, want it blocked", it.Detail)
		}
		if it, _ := r.Item(ipc.CheckOutside6); !strings.Contains(it.Detail, "saw "+testbed.ServerIPv6.String()) {
			t.Errorf("outside6 of a v6-only tunnel: %q", it.Detail)
		}
		n.expectFault(t, blockRouteFault("-4", ipc.CheckRoute4))
	})
}

// blockRouteFault deletes the unreachable default of a blocked family from
// the tunnel's table, as a network tool flushing routes would.
func blockRouteFault(fam, item string) fault {
	route := []string{"unreachable", "default", "table", fmt.Sprint(0xca6c)}
	return fault{"block route " + fam + " deleted", item,
		func(t *testing.T, n *node) { n.ip(t, append([]string{fam, "route", "del"}, route...)...) },
		func(t *testing.T, n *node) { n.ip(t, append([]string{fam, "route", "add"}, route...)...) }}
}

// routeFault adds a host route for a probe address via the LAN router in
// the main table, which policy routing consults first: as a foreign VPN or
// a stray static route would.
func routeFault(probe, via netip.Addr, item string) fault {
	fam := "-4"
	if probe.Is6() {
		fam = "-6"
	}
	return fault{"foreign route to " + probe.String(), item,
		func(t *testing.T, n *node) { n.ip(t, fam, "route", "add", probe.String(), "via", via.String()) },
		func(t *testing.T, n *node) { n.ip(t, fam, "route", "del", probe.String(), "via", via.String()) }}
}

// deleteLastRule removes the output chain's last rule (the final reject)
// from Palisade's table.
func deleteLastRule(t *testing.T, n *node) {
	out, err := n.bed.Exec(testbed.RoleClient, "nft", "-a", "list", "chain", "inet", "palisade", "output")
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, out)
	}
	handles := regexp.MustCompile(`# handle (\d+)`).FindAllStringSubmatch(string(out), -1)
	if len(handles) == 0 {
		t.Fatalf("no rules in the output chain:\n%s", out)
	}
	last := handles[len(handles)-1][1]
	if out, err := n.bed.Exec(testbed.RoleClient, "nft", "delete", "rule", "inet", "palisade", "output", "handle", last); err != nil {
		t.Fatalf("nft delete: %v\n%s", err, out)
	}
}

// reapplyFirewall has the service render its table afresh: it applies a
// policy only when it changed, so allow-LAN goes off and on again.
func reapplyFirewall(t *testing.T, n *node) {
	for _, v := range []string{"off", "on"} {
		if out, err := n.cli(t, "set", "allow-lan", v); err != nil {
			t.Fatalf("set allow-lan %s: %v\n%s", v, err, out)
		}
	}
}

// replaceResolvConf bind-mounts a resolv.conf naming the LAN router over
// the daemon's, read-only, as a container runtime or a stubborn network
// manager would: the service cannot put its own back.
func replaceResolvConf(t *testing.T, n *node) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(path, []byte(testbed.LANResolvConf4), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := n.daemon.Exec("mount", "--bind", "-o", "ro", path, "/etc/resolv.conf"); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
}

func restoreResolvConf(t *testing.T, n *node) {
	if out, err := n.daemon.Exec("umount", "/etc/resolv.conf"); err != nil {
		t.Fatalf("umount: %v\n%s", err, out)
	}
}

// expectFault stages f, checks that its item alone fails, undoes it and
// checks that everything is green again.
func (n *node) expectFault(t *testing.T, f fault) {
	t.Helper()
	f.stage(t, n)
	r := n.check(t)
	for _, it := range r.Items {
		switch {
		case it.ID == f.item && it.Status != ipc.CheckFail:
			t.Errorf("%s: %s is %s, want fail: %s", f.name, it.ID, it.Status, it.Detail)
		case it.ID != f.item && it.Status == ipc.CheckFail:
			t.Errorf("%s: %s failed too: %s", f.name, it.ID, it.Detail)
		case it.ID == f.item:
			t.Logf("%s: %s: %s", f.name, it.ID, it.Detail)
		}
	}
	f.undo(t, n)
	n.checkGreen(t)
}

// check runs `palisade check --json`, which exits 1 when an item failed or
// could not be verified in time.
func (n *node) check(t *testing.T) ipc.CheckReport {
	t.Helper()
	out, err := n.cli(t, "check", "--json")
	// The JSON comes first; on failure the CLI's message follows it.
	var r ipc.CheckReport
	if jerr := json.NewDecoder(strings.NewReader(out)).Decode(&r); jerr != nil {
		t.Fatalf("check --json: %v, %v\n%s", err, jerr, out)
	}
	if w := r.Worst(); (err != nil) != (w == ipc.CheckFail || w == ipc.CheckTimeout) {
		t.Errorf("check exit status %v for a report whose worst item is %s", err, r.Worst())
	}
	return r
}

// checkGreen runs the check and wants every item ok.
func (n *node) checkGreen(t *testing.T) ipc.CheckReport {
	t.Helper()
	r := n.check(t)
	for _, it := range r.Items {
		if it.Status != ipc.CheckOK {
			t.Errorf("%s is %s: %s", it.ID, it.Status, it.Detail)
		}
	}
	return r
}

// enableOutsideCheck points the outside test at the bed's "what is my IP"
// service, by name, so one URL serves both families.
func (n *node) enableOutsideCheck(t *testing.T) {
	t.Helper()
	url := fmt.Sprintf("http://%s:%d/", strings.TrimSuffix(testbed.IPName, "."), testbed.IPPort)
	for _, args := range [][]string{{"set", "check-url", url}, {"set", "check-outside", "on"}} {
		if out, err := n.cli(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
}

// ip runs ip(8) in the client namespace.
func (n *node) ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := n.bed.Exec(testbed.RoleClient, append([]string{"ip"}, args...)...); err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}
