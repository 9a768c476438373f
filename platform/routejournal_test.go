package platform

import (
	"net/netip"
	"os"
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
	rs, err := NewRouteJournal(strings.TrimSuffix(j.Path, "/"+RouteJournalFile)).Load()
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
