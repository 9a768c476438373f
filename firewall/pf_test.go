package firewall

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
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
	// The same upstreams from the profile (DNS mode tunnel): the ones on
	// the on-link LAN prefixes are asked through the tunnel only.
	{"engaged_profile_dns", profileDNS(testInput(StateConnected, ModeAuto, true, true, true, true))},
}

func profileDNS(in Input) Input {
	in.DNS.Chosen = false
	return in
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

// TestRenderPFReassemblesFragments checks that every anchor reassembles
// incoming fragments before its filter rules: pf matches an unassembled
// fragment without state and skips every rule with a port, so a
// fragmented reply of the WireGuard server would hit the final block.
// pfctl wants normalization before filtering, tables may come first.
func TestRenderPFReassemblesFragments(t *testing.T) {
	for _, c := range goldenCases {
		lines := strings.Split(RenderPF(Compute(c.in), "a"), "\n")
		scrub, firstFilter := -1, -1
		for i, l := range lines {
			switch {
			case l == "scrub in all fragment reassemble":
				if scrub >= 0 {
					t.Errorf("%s: scrub rendered twice", c.name)
				}
				scrub = i
			case strings.HasPrefix(l, "scrub"):
				t.Errorf("%s: unexpected scrub rule %q", c.name, l)
			case firstFilter < 0 && (strings.HasPrefix(l, "pass ") || strings.HasPrefix(l, "block ")):
				firstFilter = i
			}
		}
		if scrub < 0 || firstFilter < 0 || scrub > firstFilter {
			t.Errorf("%s: scrub at line %d, first filter rule at %d: want reassembly before every filter rule", c.name, scrub, firstFilter)
		}
	}
}

// TestRenderPFFlagsAny checks that every pass that can match TCP matches any
// flags: pf's default "flags S/SA" would reset connections opened before the
// anchor was loaded (LAN SSH, localhost servers, in-tunnel TCP).
func TestRenderPFFlagsAny(t *testing.T) {
	for _, c := range goldenCases {
		out := RenderPF(Compute(c.in), "a")
		passes := 0
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasPrefix(l, "pass ") {
				continue
			}
			passes++
			tcpCapable := !strings.Contains(l, " proto udp ") && !strings.Contains(l, " proto icmp6 ")
			if has := strings.HasSuffix(l, " flags any"); has != tcpCapable {
				t.Errorf("%s: %q: flags any = %v, want %v", c.name, l, has, tcpCapable)
			}
		}
		if passes == 0 {
			t.Errorf("%s: no pass rules rendered", c.name)
		}
	}
	out := RenderPF(Compute(testInput(StateConnected, ModeAuto, true, true, true, true)), "a")
	for _, want := range []string{
		"pass out quick on lo0 from any to any flags any",
		"pass out quick on palisade0 from any to any flags any",
		"pass in quick on palisade0 from any to any flags any",
		"pass out quick inet from any to <palisade_4> flags any",
		"pass in quick inet6 from <palisade_5> to any flags any",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
}

func TestPFNeedsFlush(t *testing.T) {
	connected := Compute(testInput(StateConnected, ModeAuto, true, true, true, true))
	off := Compute(testInput(StateConnected, ModeOff, false, true, true, true))
	noLAN := connected
	noLAN.Output = slices.DeleteFunc(slices.Clone(connected.Output), func(r Rule) bool { return strings.HasPrefix(r.Reason, "allow_lan") })
	tests := []struct {
		name        string
		prev        Policy
		prevApplied bool
		next        Policy
		want        bool
	}{
		// The kill switch switched on while connected: connections that
		// now must be rejected may already have states.
		{"first engaged apply", Policy{}, false, connected, true},
		{"engaged after idle", off, true, connected, true},
		{"same policy again", connected, true, connected, false},
		{"allow_lan switched off", connected, true, noLAN, true},
		{"allow_lan switched on", noLAN, true, connected, false},
		{"disengaged", connected, true, off, false},
		{"stale policy not applied", connected, false, connected, true},
	}
	for _, tt := range tests {
		if got := pfNeedsFlush(tt.prev, tt.prevApplied, tt.next); got != tt.want {
			t.Errorf("%s: pfNeedsFlush = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPFHealth(t *testing.T) {
	info := "Status: Enabled for 0 days 00:12:03           Debug: Urgent\n\nState Table                          Total             Rate\n"
	main := "scrub-anchor \"com.apple/*\" all fragment reassemble\nanchor \"com.apple/*\" all\n"
	if p := pfHealth(info, main); len(p) != 0 {
		t.Errorf("healthy pf reported %v", p)
	}
	p := pfHealth(strings.Replace(info, "Enabled", "Disabled", 1), main)
	if len(p) != 1 || !strings.Contains(p[0], "not enabled") {
		t.Errorf("disabled pf: %v", p)
	}
	// A custom main ruleset with only the scrub anchor never reaches ours.
	p = pfHealth(info, "scrub-anchor \"com.apple/*\" all fragment reassemble\npass all\n")
	if len(p) != 1 || !strings.Contains(p[0], "com.apple/*") {
		t.Errorf("main ruleset without anchor: %v", p)
	}
	// Without the scrub anchor our scrub rule is never evaluated.
	p = pfHealth(info, "anchor \"com.apple/*\" all\n")
	if len(p) != 1 || !strings.Contains(p[0], "scrub-anchor") {
		t.Errorf("main ruleset without scrub anchor: %v", p)
	}
	if !pfEnabled(info) || pfEnabled("") {
		t.Error("pfEnabled misreads pfctl -s info")
	}
}
