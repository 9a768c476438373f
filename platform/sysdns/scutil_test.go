package sysdns

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const scutilShow = `<dictionary> {
  DomainName : home.lan
  SearchDomains : <array> {
    0 : home.lan
    1 : corp.example
  }
  ServerAddresses : <array> {
    0 : 192.168.1.1
    1 : fd00::1
  }
  Nested : <dictionary> {
    Inner : x
  }
  __CONFIGURATION_ID__ : Default: 0
}
`

func TestParseScutilDict(t *testing.T) {
	got, ok := parseScutilDict(scutilShow)
	want := []scutilEntry{
		{Name: "DomainName", Values: []string{"home.lan"}},
		{Name: "SearchDomains", Values: []string{"home.lan", "corp.example"}, Array: true},
		{Name: "ServerAddresses", Values: []string{"192.168.1.1", "fd00::1"}, Array: true},
		{Name: "__CONFIGURATION_ID__", Values: []string{"Default: 0"}},
	}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v %v\nwant %+v", got, ok, want)
	}
	if _, ok := parseScutilDict("  No such key\n"); ok {
		t.Fatal("missing key parsed as a dictionary")
	}
}

func TestScutilScriptRoundTrip(t *testing.T) {
	entries, _ := parseScutilDict(scutilShow)
	script := scutilSetScript("State:/Network/Service/ABC/DNS", entries)
	for _, want := range []string{
		"d.init\n",
		"d.add DomainName home.lan\n",
		"d.add ServerAddresses * 192.168.1.1 fd00::1\n",
		"d.add __CONFIGURATION_ID__ \"Default: 0\"\n",
		"set State:/Network/Service/ABC/DNS\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
}

func TestDNSEntries(t *testing.T) {
	e := dnsEntries(Config{Servers: testServers, Domains: []string{"corp.example"}}, "lo0")
	script := scutilSetScript("State:/Network/Service/X/DNS", e)
	if !strings.Contains(script, "d.add ServerAddresses * 127.80.73.65 fe80::80:73:65%lo0\n") || !strings.Contains(script, "d.add SearchDomains * corp.example\n") {
		t.Fatalf("script:\n%s", script)
	}
}

func TestParsePrimaryService(t *testing.T) {
	out := "<dictionary> {\n  PrimaryInterface : en0\n  PrimaryService : 8C2F-11\n  Router : 192.168.1.1\n}\n"
	if got := parsePrimaryService(out); got != "8C2F-11" {
		t.Fatalf("got %q", got)
	}
	if got := parsePrimaryService("  No such key\n"); got != "" {
		t.Fatalf("got %q from a missing key", got)
	}
}

func TestDNSKeySelection(t *testing.T) {
	v4 := "<dictionary> {\n  PrimaryInterface : en0\n  PrimaryService : 8F66D4D4-1\n  Router : 192.168.1.1\n}\n"
	v6 := "<dictionary> {\n  PrimaryInterface : en1\n  PrimaryService : 0C2F-6ONLY\n}\n"
	if got := primaryService(v4, v6); got != "8F66D4D4-1" {
		t.Errorf("primary with IPv4 = %q", got)
	}
	// An IPv6-only network has no IPv4 primary.
	if got := primaryService("  No such key\n", v6); got != "0C2F-6ONLY" {
		t.Errorf("primary on an IPv6-only network = %q", got)
	}
	if got := dnsKeys("S1", false); !reflect.DeepEqual(got, []string{"State:/Network/Service/S1/DNS"}) {
		t.Errorf("keys without manual DNS = %v", got)
	}
	// Manual DNS (Setup:) overrides State:, so both must be ours.
	if got := dnsKeys("S1", true); !reflect.DeepEqual(got, []string{"State:/Network/Service/S1/DNS", "Setup:/Network/Service/S1/DNS"}) {
		t.Errorf("keys with manual DNS = %v", got)
	}
}

func TestDNSUpdate(t *testing.T) {
	ours := dnsEntries(Config{Servers: []netip.Addr{netip.MustParseAddr("127.80.73.65"), netip.MustParseAddr("fe80::80:73:65")}}, "lo0")
	dhcp := []scutilEntry{{Name: "ServerAddresses", Values: []string{"192.168.1.1"}, Array: true}}
	renewed := []scutilEntry{{Name: "ServerAddresses", Values: []string{"192.168.1.53"}, Array: true}}
	oursPlus := append(slices.Clone(ours), scutilEntry{Name: "__CONFIGURATION_ID__", Values: []string{"x"}})
	const a, b = "State:/Network/Service/A/DNS", "State:/Network/Service/B/DNS"
	tests := []struct {
		name       string
		keys       []string
		current    map[string][]scutilEntry
		backup     scutilBackup
		wantSet    []string
		wantBackup scutilBackup
	}{
		{"first set journals the original", []string{a}, map[string][]scutilEntry{a: dhcp}, scutilBackup{},
			[]string{a}, scutilBackup{a: dhcp}},
		{"missing key is journaled as absent", []string{a}, map[string][]scutilEntry{}, scutilBackup{},
			[]string{a}, scutilBackup{a: nil}},
		{"still ours: nothing to do", []string{a}, map[string][]scutilEntry{a: oursPlus}, scutilBackup{a: dhcp},
			nil, scutilBackup{a: dhcp}},
		// DHCP renewed while connected: the renewed servers are what to
		// restore, and ours go back on top.
		{"rewritten by the system", []string{a}, map[string][]scutilEntry{a: renewed}, scutilBackup{a: dhcp},
			[]string{a}, scutilBackup{a: renewed}},
		// Ethernet comes up beside Wi-Fi: B is set too; A's original is kept.
		{"new service", []string{a, b}, map[string][]scutilEntry{a: oursPlus, b: renewed}, scutilBackup{a: dhcp},
			[]string{b}, scutilBackup{a: dhcp, b: renewed}},
		// Wi-Fi goes down: its key is gone, so is its original (a restore
		// must not bring back DNS for a service that is not there).
		{"service gone", []string{b}, map[string][]scutilEntry{b: oursPlus}, scutilBackup{a: dhcp, b: renewed},
			nil, scutilBackup{b: renewed}},
	}
	for _, tt := range tests {
		set, backup := dnsUpdate(tt.keys, tt.current, tt.backup, ours)
		if !reflect.DeepEqual(set, tt.wantSet) || !reflect.DeepEqual(backup, tt.wantBackup) {
			t.Errorf("%s: dnsUpdate = %v %v, want %v %v", tt.name, set, backup, tt.wantSet, tt.wantBackup)
		}
	}
}

func TestScutilScript(t *testing.T) {
	if got := ScutilScript("show State:/Network/Global/IPv4\n"); got != "open\nshow State:/Network/Global/IPv4\nquit\n" {
		t.Errorf("ScutilScript = %q", got)
	}
}

func TestParseKeyList(t *testing.T) {
	out := "  subKey [0] = State:/Network/Service/8F66D4D4-1/DNS\n  subKey [1] = State:/Network/Service/0C2F-2/DNS\n"
	if got := parseKeyList(out); !reflect.DeepEqual(got, []string{"State:/Network/Service/8F66D4D4-1/DNS", "State:/Network/Service/0C2F-2/DNS"}) {
		t.Errorf("parseKeyList = %v", got)
	}
	if got := parseKeyList("  no keys.\n"); len(got) != 0 {
		t.Errorf("no keys parsed as %v", got)
	}
}

// Every service's DNS keys get ours, the primary's and the published
// tunnel's first; a Setup: key (DNS set by hand) with its State: one, a
// Setup:-only service (down, or without DHCP DNS) by its Setup: key alone;
// other keys of the store never.
func TestServiceDNSKeys(t *testing.T) {
	existing := []string{
		"State:/Network/Service/WIFI/DNS",
		"Setup:/Network/Service/ETH/DNS",
		"State:/Network/Service/ETH/DNS",
		"Setup:/Network/Service/THUNDERBOLT/DNS",
		"State:/Network/Service/WIFI/DNS/extra",
	}
	got := serviceDNSKeys([]string{"ETH", TunnelService}, existing)
	want := []string{
		"State:/Network/Service/ETH/DNS", "Setup:/Network/Service/ETH/DNS",
		"State:/Network/Service/" + TunnelService + "/DNS",
		"Setup:/Network/Service/THUNDERBOLT/DNS",
		"State:/Network/Service/WIFI/DNS",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("serviceDNSKeys =\n%v\nwant\n%v", got, want)
	}
	// No primary yet: the services in the store still get ours.
	if got := serviceDNSKeys(nil, existing[:1]); !reflect.DeepEqual(got, existing[:1]) {
		t.Errorf("without a primary: %v", got)
	}
	if got := serviceDNSKeys(nil, nil); len(got) != 0 {
		t.Errorf("an empty store: %v", got)
	}
}

// Restore puts back a key only while it holds our resolver.
func TestRestorable(t *testing.T) {
	ours := dnsEntries(Config{Servers: testServers}, "lo0")
	fixed := []scutilEntry{{Name: "ServerAddresses", Values: []string{"127.80.73.65", "fe80::80:73:65%lo0"}, Array: true}}
	dhcp := []scutilEntry{{Name: "ServerAddresses", Values: []string{"192.168.1.1"}, Array: true}}
	mixed := []scutilEntry{{Name: "ServerAddresses", Values: []string{"127.80.73.65", "192.168.1.1"}, Array: true}}
	for _, c := range []struct {
		name    string
		now     []scutilEntry
		ours    []scutilEntry
		restore bool
	}{
		{"ours", ours, ours, true},
		{"the resolver's addresses after a crash", fixed, nil, true},
		{"rewritten by DHCP", dhcp, ours, false},
		{"rewritten by DHCP, after a crash", dhcp, nil, false},
		{"a server beside ours", mixed, nil, false},
		{"no servers", nil, nil, false},
	} {
		if got := restorable(c.now, c.ours); got != c.restore {
			t.Errorf("%s: restorable = %v", c.name, got)
		}
	}
}

// FuzzParseScutilOutput feeds scutil output of any shape to the parsers of
// `show` and `list`: no panic, every key listed appears on a subKey line of
// the input, and every property parsed has a name from the input. Seeds
// are in testdata/fuzz.
func FuzzParseScutilOutput(f *testing.F) {
	f.Add(scutilShow)
	f.Add("  subKey [0] = State:/Network/Service/A/DNS\n  subKey [1] = Setup:/Network/Service/B/DNS\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, k := range parseKeyList(out) {
			if k == "" || strings.ContainsAny(k, " \t\n") || !strings.Contains(out, "= "+k) {
				t.Fatalf("key %q from %q", k, out)
			}
		}
		entries, _ := parseScutilDict(out)
		for _, e := range entries {
			if e.Name == "" || !strings.Contains(out, e.Name) {
				t.Fatalf("property %+v from %q", e, out)
			}
		}
		serviceDNSKeys(nil, parseKeyList(out))
	})
}
