package platform

import (
	"net/netip"
	"slices"
	"testing"
)

// tableFor follows the rules for a packet with mark and says which table
// answers: a table "answers" when hasRoute says it has a route (main's
// default route is ignored when suppressed).
func tableFor(rules []PolicyRule, mark uint32, hasRoute func(table int, defaultOnly bool) bool) int {
	for _, r := range rules {
		if r.Mark != 0 && (mark == r.Mark) == r.Invert {
			continue
		}
		if hasRoute(r.Table, r.SuppressPrefixlen == 0) {
			return r.Table
		}
	}
	return MainTable
}

func TestPolicyRules(t *testing.T) {
	// A destination on the internet: main has only its default route, the
	// tunnel table has a route.
	internet := func(table int, suppressed bool) bool { return table == Table || (table == MainTable && !suppressed) }
	// A destination on the LAN: main has a specific route.
	lan := func(table int, suppressed bool) bool { return true }
	cases := []struct {
		mode                  SplitMode
		mark                  uint32
		wantInternet, wantLAN int
	}{
		{SplitOff, 0, Table, MainTable},
		{SplitOff, FwMark, MainTable, MainTable},
		{SplitOff, SplitMark, Table, MainTable},
		{SplitBypass, 0, Table, MainTable},
		{SplitBypass, SplitMark, MainTable, MainTable},
		{SplitBypass, FwMark, MainTable, MainTable},
		{SplitBypass, DNSMark, Table, MainTable},
		{SplitVPNOnly, 0, MainTable, MainTable},
		{SplitVPNOnly, SplitMark, Table, MainTable},
		{SplitVPNOnly, DNSMark, Table, MainTable},
		{SplitVPNOnly, FwMark, MainTable, MainTable},
	}
	for _, c := range cases {
		rules := PolicyRules(c.mode)
		if got := tableFor(rules, c.mark, internet); got != c.wantInternet {
			t.Errorf("mode %d mark %#x to the internet: table %d, want %d", c.mode, c.mark, got, c.wantInternet)
		}
		if got := tableFor(rules, c.mark, lan); got != c.wantLAN {
			t.Errorf("mode %d mark %#x to the LAN: table %d, want %d", c.mode, c.mark, got, c.wantLAN)
		}
	}
	for _, mode := range []SplitMode{SplitOff, SplitBypass, SplitVPNOnly} {
		rules := PolicyRules(mode)
		if !slices.IsSortedFunc(rules, func(a, b PolicyRule) int { return a.Priority - b.Priority }) {
			t.Errorf("mode %d: rules not in priority order: %+v", mode, rules)
		}
		for _, r := range rules {
			if !slices.Contains(ourPriorities, r.Priority) {
				t.Errorf("mode %d: priority %d would survive Down", mode, r.Priority)
			}
		}
	}
}

// Pinned upstreams: only the resolver's packets, to exactly the pinned
// host, into the tunnel's table, ahead of main's specific routes in every
// split mode, and removed by Down.
func TestPinnedRules(t *testing.T) {
	pinned := []netip.Prefix{netip.MustParsePrefix("10.64.0.1/32"), netip.MustParsePrefix("fd64::1/128")}
	rules := PinnedRules(pinned)
	if len(rules) != len(pinned) {
		t.Fatalf("%d rules for %d pinned upstreams", len(rules), len(pinned))
	}
	for i, r := range rules {
		if r.Dst != pinned[i] || r.Mark != DNSMark || r.Invert || r.Table != Table || r.SuppressPrefixlen != -1 {
			t.Errorf("rule %+v, want DNSMark to %v into table %d", r, pinned[i], Table)
		}
		if !slices.Contains(ourPriorities, r.Priority) {
			t.Errorf("priority %d would survive Down", r.Priority)
		}
		for _, mode := range []SplitMode{SplitOff, SplitBypass, SplitVPNOnly} {
			for _, o := range PolicyRules(mode) {
				if o.Priority <= r.Priority {
					t.Errorf("mode %d: rule %+v comes before the pinned upstream's", mode, o)
				}
			}
		}
	}
	if rules := PinnedRules(nil); len(rules) != 0 {
		t.Errorf("rules without pinned upstreams: %+v", rules)
	}
}
