package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// wfpTexts renders the filters a policy installs as the read-back would,
// with conditions in the order they were set.
func wfpTexts(fs []Filter) []string {
	var out []string
	for _, f := range fs {
		var conds []string
		for _, p := range f.RemoteAddrs {
			conds = append(conds, "remote-address == "+p.String())
		}
		if f.RemotePort != 0 {
			conds = append(conds, fmt.Sprintf("remote-port == %d", f.RemotePort))
		}
		if f.Iface != "" {
			conds = append(conds, "interface == "+f.Iface)
		}
		action := "block"
		if f.Permit {
			action = "permit"
		}
		out = append(out, wfpFilterText(f.Layer.String(), action, !f.Permit, f.Weight, conds))
	}
	return out
}

// Any filter altered in place (a condition, the action, the weight), one
// swapped for another (the count kept), added or removed is a change; the
// same filters enumerated in another order, or with their conditions in
// another order, are not.
func TestWFPChanged(t *testing.T) {
	filters := wfpFilters(Compute(testInput(StateConnected, ModeAuto, true, true, true, true)))
	installed := wfpTexts(filters)
	if len(installed) < 10 {
		t.Fatalf("only %d filters", len(installed))
	}
	if wfpChanged(installed, wfpTexts(filters)) {
		t.Fatal("the same filters compare as changed")
	}
	reversed := slices.Clone(installed)
	slices.Reverse(reversed)
	if wfpChanged(installed, reversed) {
		t.Error("another enumeration order compares as changed")
	}
	a := wfpFilterText("connect-v4", "permit", false, 7, []string{"remote-port == 53", "remote-address == 10.0.0.0/8"})
	b := wfpFilterText("connect-v4", "permit", false, 7, []string{"remote-address == 10.0.0.0/8", "remote-port == 53"})
	if a != b {
		t.Errorf("condition order matters: %q vs %q", a, b)
	}
	withAddrs := slices.IndexFunc(filters, func(f Filter) bool { return len(f.RemoteAddrs) > 0 && f.Permit })
	if withAddrs < 0 {
		t.Fatal("no permit with remote addresses")
	}
	all := netip.MustParsePrefix("0.0.0.0/0")
	for name, change := range map[string]func([]Filter) []Filter{
		"weight changed":    func(fs []Filter) []Filter { fs[0].Weight += 1000; return fs },
		"block made permit": func(fs []Filter) []Filter { fs[len(fs)-1].Permit = true; return fs },
		"condition widened": func(fs []Filter) []Filter { fs[withAddrs].RemoteAddrs = []netip.Prefix{all}; return fs },
		"filter swapped": func(fs []Filter) []Filter {
			fs[2] = Filter{Layer: layerConnectV4, Permit: true, Weight: fs[2].Weight, RemoteAddrs: []netip.Prefix{all}}
			return fs
		},
		"filter added":   func(fs []Filter) []Filter { return append(fs, fs[0]) },
		"filter removed": func(fs []Filter) []Filter { return fs[1:] },
	} {
		fs := slices.Clone(filters)
		if !wfpChanged(installed, wfpTexts(change(fs))) {
			t.Errorf("%s: not seen", name)
		}
	}
}

// Show tells each filter's lifetime from its flags, so the Windows smoke
// test can see a block that outlives the service (persistent, boot-time)
// and one that does not (static).
func TestWFPShowLineLifetime(t *testing.T) {
	for _, c := range []struct {
		flags uint32
		want  string
	}{
		{0, "{K} static output: loopback"},
		{0x1, "{K} persistent output: loopback"},
		{0x2, "{K} boot-time output: loopback"},
		{0x1 | 0x20, "{K} persistent,disabled output: loopback"},
		{0x4 | 0x8, "{K} static output: loopback"}, // clear-action-right, has-provider-context: no lifetime
	} {
		if got := wfpShowLine("{K}", c.flags, "output: loopback"); got != c.want {
			t.Errorf("flags %#x: %q, want %q", c.flags, got, c.want)
		}
	}
}
