package platform

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRouteJournalRecordsBeforeAndForgetsAfter(t *testing.T) {
	j := NewRouteJournal(t.TempDir() + "/state")
	if rs, err := j.Load(); err != nil || len(rs) != 0 {
		t.Fatalf("fresh journal: %v, %v", rs, err)
	}
	r4 := JournaledRoute{Dst: netip.MustParsePrefix("198.51.100.7/32"), NextHop: netip.MustParseAddr("192.168.1.1"), Interface: "Ethernet", LUID: 0x6000001000000}
	r6 := JournaledRoute{Dst: netip.MustParsePrefix("2001:db8::7/128"), NextHop: netip.MustParseAddr("fe80::1"), Interface: "Ethernet", LUID: 0x6000001000000}
	for _, r := range []JournaledRoute{r4, r6, r4} {
		if err := j.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	// A new router instance (the next start after a crash) sees both, once.
	rs, err := NewRouteJournal(filepath.Dir(j.Path)).Load()
	if err != nil || len(rs) != 2 || rs[0] != r4 || rs[1] != r6 {
		t.Fatalf("after crash: %v, %v", rs, err)
	}
	if err := j.Remove(r4); err != nil {
		t.Fatal(err)
	}
	if rs, _ := j.Load(); len(rs) != 1 || rs[0] != r6 {
		t.Fatalf("after removing the IPv4 route: %v", rs)
	}
	if err := j.Remove(r6); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(j.Path); !os.IsNotExist(err) {
		t.Errorf("empty journal left on disk: %v", err)
	}
	if err := j.Remove(r6); err != nil {
		t.Errorf("removing an unknown route: %v", err)
	}
}

func TestRouteJournalCorruptIsAnErrorAndKept(t *testing.T) {
	j := NewRouteJournal(t.TempDir())
	bad := []byte(`[{"dst":"198.51.100.7/32","next_hop":`)
	if err := os.WriteFile(j.Path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Load(); err == nil || !strings.Contains(err.Error(), j.Path) {
		t.Fatalf("corrupt journal: %v", err)
	}
	if err := j.Add(JournaledRoute{Dst: netip.MustParsePrefix("192.0.2.1/32")}); err == nil {
		t.Fatal("Add over a corrupt journal succeeded")
	}
	if got, _ := os.ReadFile(j.Path); string(got) != string(bad) {
		t.Errorf("corrupt journal was changed to %q", got)
	}
}

// TestEndpointRouteReplan is the Windows re-plan when the default route
// moves from Wi-Fi to Ethernet: the endpoint's host route via the old
// gateway goes, the one via the new gateway comes, the unchanged IPv6 one
// stays, and a route for an endpoint no longer used goes.
func TestEndpointRouteReplan(t *testing.T) {
	wifi := &Gateway{Interface: "Wi-Fi", LUID: 0x47000, NextHop: netip.MustParseAddr("192.168.1.1"), Metric: 55}
	eth := &Gateway{Interface: "Ethernet", LUID: 0x6000, NextHop: netip.MustParseAddr("10.0.0.1"), Metric: 25}
	gw6 := &Gateway{Interface: "Wi-Fi", LUID: 0x47000, NextHop: netip.MustParseAddr("fe80::1"), Metric: 55}
	ep4, ep6 := netip.MustParseAddrPort("198.51.100.7:51820"), netip.MustParseAddrPort("[2001:db8::7]:51820")
	journal := func(rs []SplitRoute) []JournaledRoute {
		var out []JournaledRoute
		for _, r := range rs {
			if r.Via != nil {
				out = append(out, r.Journaled())
			}
		}
		return out
	}
	old := journal(SplitPlan(Plan{}, []netip.AddrPort{ep4, ep6, netip.MustParseAddrPort("203.0.113.9:51820")}, wifi, gw6))
	cur := journal(SplitPlan(Plan{}, []netip.AddrPort{ep4, ep6}, BestGateway([]Gateway{*wifi, *eth}, ""), gw6))
	remove, add := EndpointRouteChanges(old, cur)
	if len(remove) != 2 || remove[0].Interface != "Wi-Fi" || remove[0].Dst.Addr() != ep4.Addr() || remove[1].Dst.Addr().String() != "203.0.113.9" {
		t.Errorf("remove %+v", remove)
	}
	if len(add) != 1 || add[0].Interface != "Ethernet" || add[0].LUID != 0x6000 || add[0].Dst.Addr() != ep4.Addr() {
		t.Errorf("add %+v", add)
	}
	if r, a := EndpointRouteChanges(cur, cur); len(r)+len(a) != 0 {
		t.Errorf("no change re-plans %v %v", r, a)
	}
}
