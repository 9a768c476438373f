package firewall

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestPFTableCommands(t *testing.T) {
	got := pfTableCommands("com.apple/palisade", []addrSet{
		{name: "bootstrap4", family: FamilyIPv4, elems: []netip.Prefix{netip.MustParsePrefix("192.168.50.1/32")}},
		{name: "bootstrap6", family: FamilyIPv6, elems: []netip.Prefix{netip.MustParsePrefix("2001:db8:53::53/128"), netip.MustParsePrefix("fe80::1/128")}},
		{name: "bootstrap4", family: FamilyIPv4},
	})
	want := [][]string{
		{"-a", "com.apple/palisade", "-t", "bootstrap4", "-T", "replace", "192.168.50.1"},
		{"-a", "com.apple/palisade", "-t", "bootstrap6", "-T", "replace", "2001:db8:53::53", "fe80::1"},
		{"-a", "com.apple/palisade", "-t", "bootstrap4", "-T", "flush"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("commands %q, want %q", got, want)
	}
}

// An endpoint lookup opens and closes the bootstrap permit by refilling
// the anchor's tables, without reloading its rules; any other change, the
// same policy again and a failed table update load the whole anchor.
func TestPFBackendRefillsTables(t *testing.T) {
	f := &fakePF{}
	b := newPF(f, t.TempDir())
	closedIn := testInput(StateConnected, ModeAuto, true, true, true, true)
	closedIn.Bootstrap = nil
	openIn := closedIn
	openIn.Bootstrap = globalBootstrap
	closed, open := Compute(closedIn), Compute(openIn)
	load := "-a " + pfAnchor + " -f -"
	step := func(what string, p Policy, wantLoads int, wantTables ...string) {
		t.Helper()
		f.cmds, f.tables = nil, nil
		if err := b.Apply(p); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n := f.count(load); n != wantLoads || !slices.Equal(f.tables, wantTables) {
			t.Errorf("%s: %d anchor loads (want %d), tables %q (want %q)", what, n, wantLoads, f.tables, wantTables)
		}
	}
	step("first apply", closed, 1)
	step("lookup starts", open, 0, "bootstrap4 -T replace 192.168.50.1", "bootstrap6 -T replace 2001:db8:53::53")
	if !strings.Contains(f.anchor, "table <bootstrap4> persist\n") {
		t.Errorf("the anchor was reloaded:\n%s", f.anchor)
	}
	step("lookup ends", closed, 0, "bootstrap4 -T flush", "bootstrap6 -T flush")
	step("the same policy again", closed, 1)
	other := Compute(testInput(StateConnected, ModeAuto, true, false, true, true)) // no LAN
	step("another shape", other, 1)
	f.failTables = true
	otherOpen := other
	otherOpen.Output = slices.Clone(other.Output)
	for i := range otherOpen.Output {
		if otherOpen.Output[i].Set == "bootstrap4" {
			otherOpen.Output[i].Dst = []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32")}
		}
	}
	step("table update fails", otherOpen, 1)
	if !strings.Contains(f.anchor, "table <bootstrap4> persist { 192.0.2.53 }\n") {
		t.Errorf("the full load lacks the new contents:\n%s", f.anchor)
	}
}
