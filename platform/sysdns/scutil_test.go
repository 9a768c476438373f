package sysdns

import (
	"reflect"
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
