//go:build darwin || windows

package sysdns

import "testing"

// On a real Mac or Windows PC (the OS workflows' runners) the system's own
// name servers, which the service asks for endpoint names, are read from
// the dynamic store or the adapters, and Palisade's resolver is never
// among them.
func TestThisHostSystemServers(t *testing.T) {
	servers, err := SystemServers(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) == 0 {
		t.Fatal("no system name servers found")
	}
	for _, s := range servers {
		if plain := s.WithZone(""); plain == LoopbackIPv4 || plain == LoopbackIPv6 || windowsPlaceholderDNS.Contains(plain) {
			t.Errorf("system servers %v include %s", servers, s)
		}
	}
	t.Logf("system name servers: %v", servers)
}
