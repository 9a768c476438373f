package firewall

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\n%s", name, got)
	}
}

var goldenCases = []struct {
	name string
	in   Input
}{
	{"engaged_lan_tunnel6", testInput(StateConnected, ModeAuto, true, true, true, true)},
	{"engaged_nolan_tunnel4only", testInput(StateReconnecting, ModeAlways, true, false, false, true)},
	{"engaged_disconnected_nohost6", testInput(StateDisconnected, ModeAlways, false, true, false, false)},
	{"idle_tunnel4only", testInput(StateConnected, ModeOff, false, true, false, true)},
}

func TestRenderPFGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, "pf_"+c.name+".golden", RenderPF(Compute(c.in), "com.apple/palisade"))
		})
	}
}

func TestRenderPFSemantics(t *testing.T) {
	out := RenderPF(Compute(testInput(StateConnected, ModeAuto, true, false, false, true)), "a")
	lines := strings.Split(out, "\n")
	find := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i
			}
		}
		t.Fatalf("no line contains %q:\n%s", sub, out)
		return -1
	}
	endpoint := find("to 203.0.113.7 port 51820 user root")
	dnsReject := find("block return-icmp(filter-prohib, admin-unreach) out quick proto udp from any to any port 53")
	tunnel := find("pass out quick on palisade0 from any to any")
	final := find("block return-icmp(filter-prohib, admin-unreach) out quick from any to any")
	if !(endpoint < dnsReject && dnsReject < tunnel && tunnel < final) {
		t.Errorf("order endpoint %d, dns reject %d, tunnel %d, final %d", endpoint, dnsReject, tunnel, final)
	}
	find("block return-icmp6(admin-unreach) out quick inet6 from any to ! <palisade_")
	find("block drop in quick on ! palisade0 inet from any to 10.64.1.2")
	if strings.Contains(out, "established") {
		t.Errorf("pf output should rely on state, not an established rule")
	}
}
