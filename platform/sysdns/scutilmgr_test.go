package sysdns

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/netip"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fakeStore is a dynamic store driven by scutil scripts: show, d.init,
// d.add, set, remove and quit, printing dictionaries as scutil does.
type fakeStore struct {
	keys   map[string][]scutilEntry
	writes int
	// readOnly makes set print scutil's error and change nothing, as the
	// real scutil does (it still exits 0).
	readOnly bool
}

func (s *fakeStore) run(script string) (string, error) {
	var out strings.Builder
	var dict []scutilEntry
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "list":
			re := regexp.MustCompile("^" + f[1] + "$")
			i := 0
			for _, k := range slices.Sorted(maps.Keys(s.keys)) {
				if re.MatchString(k) {
					fmt.Fprintf(&out, "  subKey [%d] = %s\n", i, k)
					i++
				}
			}
			if i == 0 {
				out.WriteString("  no keys.\n")
			}
		case "show":
			d, ok := s.keys[f[1]]
			if !ok {
				out.WriteString("  No such key\n")
				continue
			}
			out.WriteString("<dictionary> {\n")
			for _, e := range d {
				if e.Array {
					fmt.Fprintf(&out, "  %s : <array> {\n", e.Name)
					for i, v := range e.Values {
						fmt.Fprintf(&out, "    %d : %s\n", i, v)
					}
					out.WriteString("  }\n")
				} else {
					fmt.Fprintf(&out, "  %s : %s\n", e.Name, e.Values[0])
				}
			}
			out.WriteString("}\n")
		case "d.init":
			dict = nil
		case "d.add":
			if f[2] == "*" {
				dict = append(dict, scutilEntry{Name: f[1], Values: f[3:], Array: true})
			} else {
				dict = append(dict, scutilEntry{Name: f[1], Values: f[2:3]})
			}
		case "set":
			if s.readOnly {
				out.WriteString("  Permission denied\n")
				continue
			}
			s.keys[f[1]] = dict
			s.writes++
		case "remove":
			delete(s.keys, f[1])
			s.writes++
		case "quit":
		default:
			return "", fmt.Errorf("fake scutil: %q", line)
		}
	}
	return out.String(), nil
}

func servers(vs ...string) []scutilEntry {
	return []scutilEntry{{Name: "ServerAddresses", Values: vs, Array: true}}
}

func primary(svc string) []scutilEntry {
	return []scutilEntry{{Name: "PrimaryService", Values: []string{svc}}}
}

// The scutil manager against a fake dynamic store: set, a DHCP renewal, a
// new primary service, a crash, and the restore at the next start.
func TestScutilManagerLifecycle(t *testing.T) {
	const wifi, eth = "State:/Network/Service/WIFI/DNS", "State:/Network/Service/ETH/DNS"
	st := &fakeStore{keys: map[string][]scutilEntry{
		"State:/Network/Global/IPv4": primary("WIFI"),
		wifi:                         servers("192.168.1.1"),
		eth:                          servers("10.0.0.1"),
	}}
	backup := filepath.Join(t.TempDir(), scutilBackupName)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &scutilManager{log: log, backup: backup, scutil: st.run}
	cfg := Config{Servers: []netip.Addr{LoopbackIPv4, LoopbackIPv6}}
	if err := m.Set(cfg); err != nil {
		t.Fatal(err)
	}
	ours := servers("127.80.73.65", "fe80::80:73:65%lo0")
	if !reflect.DeepEqual(st.keys[wifi], ours) {
		t.Fatalf("Wi-Fi DNS after Set = %v", st.keys[wifi])
	}
	// Nothing changed: re-asserting writes nothing.
	writes := st.writes
	if err := m.Reassert(); err != nil || st.writes != writes {
		t.Fatalf("idle re-assert wrote %d keys (%v)", st.writes-writes, err)
	}
	// DHCP renews with a new server: ours goes back on top and the renewed
	// server is what a restore brings back.
	st.keys[wifi] = servers("192.168.1.53")
	// Wi-Fi → Ethernet: Ethernet becomes primary and gets our DNS too.
	st.keys["State:/Network/Global/IPv4"] = primary("ETH")
	if err := m.Reassert(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.keys[eth], ours) {
		t.Fatalf("Ethernet DNS after the switch = %v", st.keys[eth])
	}
	st.keys["State:/Network/Global/IPv4"] = primary("WIFI")
	if err := m.Reassert(); err != nil || !reflect.DeepEqual(st.keys[wifi], ours) {
		t.Fatalf("Wi-Fi DNS after switching back = %v (%v)", st.keys[wifi], err)
	}
	// The service crashes; the next start restores what the system had.
	restarted := &scutilManager{log: log, backup: backup, scutil: st.run}
	if err := restarted.Restore(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.keys[wifi], servers("192.168.1.53")) || !reflect.DeepEqual(st.keys[eth], servers("10.0.0.1")) {
		t.Fatalf("after restore: Wi-Fi %v, Ethernet %v", st.keys[wifi], st.keys[eth])
	}
	if err := restarted.Restore(); err != nil {
		t.Fatalf("a second restore: %v", err)
	}
}

// A key that did not exist (the tunnel's own service, once primary) is
// removed by the restore, not left holding our servers.
func TestScutilManagerRemovesKeysItCreated(t *testing.T) {
	const tun = "State:/Network/Service/com.palisadevpn.tunnel/DNS"
	st := &fakeStore{keys: map[string][]scutilEntry{"State:/Network/Global/IPv4": primary("com.palisadevpn.tunnel")}}
	m := &scutilManager{log: slog.New(slog.NewTextHandler(io.Discard, nil)), backup: filepath.Join(t.TempDir(), scutilBackupName), scutil: st.run}
	if err := m.Set(Config{Servers: []netip.Addr{LoopbackIPv4}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.keys[tun]; !ok {
		t.Fatal("tunnel service DNS not set")
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.keys[tun]; ok {
		t.Fatalf("restore left %s: %v", tun, st.keys[tun])
	}
}

// The tunnel's service, published with OverridePrimary but not primary yet
// (configd switches asynchronously), gets our DNS together with the
// current primary, so the system uses our resolver from the first set
// whichever service configd picks; the restore removes the tunnel's key
// and gives the LAN service its own back.
func TestScutilManagerSetsPublishedTunnelService(t *testing.T) {
	const wifi, tun = "State:/Network/Service/WIFI/DNS", "State:/Network/Service/" + TunnelService + "/DNS"
	st := &fakeStore{keys: map[string][]scutilEntry{
		"State:/Network/Global/IPv4": primary("WIFI"),
		wifi:                         servers("192.168.1.1"),
		tunnelServiceKey("IPv6"):     {{Name: "InterfaceName", Values: []string{"utun4"}}, {Name: "OverridePrimary", Values: []string{"1"}}},
	}}
	m := &scutilManager{log: slog.New(slog.NewTextHandler(io.Discard, nil)), backup: filepath.Join(t.TempDir(), scutilBackupName), scutil: st.run}
	if err := m.Set(Config{Servers: []netip.Addr{LoopbackIPv4}}); err != nil {
		t.Fatal(err)
	}
	ours := servers("127.80.73.65")
	if !reflect.DeepEqual(st.keys[wifi], ours) || !reflect.DeepEqual(st.keys[tun], ours) {
		t.Fatalf("after Set: Wi-Fi %v, tunnel %v; want both %v", st.keys[wifi], st.keys[tun], ours)
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.keys[tun]; ok || !reflect.DeepEqual(st.keys[wifi], servers("192.168.1.1")) {
		t.Fatalf("after Restore: Wi-Fi %v, tunnel %v", st.keys[wifi], st.keys[tun])
	}
}

func TestDNSServices(t *testing.T) {
	published := "<dictionary> {\n  InterfaceName : utun4\n  OverridePrimary : 1\n}\n"
	split := "<dictionary> {\n  InterfaceName : utun4\n}\n"
	for _, c := range []struct {
		primary, tun4, tun6 string
		want                []string
	}{
		{"WIFI", "  No such key\n", "  No such key\n", []string{"WIFI"}},
		{"WIFI", split, "  No such key\n", []string{"WIFI"}},
		{"WIFI", "  No such key\n", published, []string{"WIFI", TunnelService}},
		{TunnelService, published, published, []string{TunnelService}},
		{"", published, "", []string{TunnelService}},
		{"", "", "", nil},
	} {
		if got := dnsServices(c.primary, c.tun4, c.tun6); !reflect.DeepEqual(got, c.want) {
			t.Errorf("dnsServices(%q, …) = %v, want %v", c.primary, got, c.want)
		}
	}
}

// scutil reports a failed set only in its output (it exits 0): the manager
// reads the keys back and fails instead of claiming DNS it did not set.
func TestScutilManagerSetFailureIsAnError(t *testing.T) {
	const wifi = "State:/Network/Service/WIFI/DNS"
	st := &fakeStore{keys: map[string][]scutilEntry{
		"State:/Network/Global/IPv4": primary("WIFI"),
		wifi:                         servers("192.168.1.1"),
	}, readOnly: true}
	m := &scutilManager{log: slog.New(slog.NewTextHandler(io.Discard, nil)), backup: filepath.Join(t.TempDir(), scutilBackupName), scutil: st.run}
	err := m.Set(Config{Servers: []netip.Addr{LoopbackIPv4}})
	if err == nil || !strings.Contains(err.Error(), wifi) || !strings.Contains(err.Error(), "Permission denied") {
		t.Fatalf("Set on a store that refuses writes: %v", err)
	}
	if !reflect.DeepEqual(st.keys[wifi], servers("192.168.1.1")) {
		t.Errorf("Wi-Fi DNS changed: %v", st.keys[wifi])
	}
}

// Every service gets our DNS, not the primary alone (an app scoping its
// query to another interface asks that service's servers), and services
// coming and going are followed: a new one is set and journaled at the next
// re-assert, a gone one is forgotten (the restore does not bring back its
// key), and the restore after a crash puts back only keys still holding
// our resolver.
func TestScutilManagerEveryService(t *testing.T) {
	const (
		wifi = "State:/Network/Service/WIFI/DNS"
		eth  = "State:/Network/Service/ETH/DNS"
		tb   = "Setup:/Network/Service/TB/DNS"
		usb  = "State:/Network/Service/USB/DNS"
	)
	st := &fakeStore{keys: map[string][]scutilEntry{
		"State:/Network/Global/IPv4": primary("WIFI"),
		wifi:                         servers("192.168.1.1"),
		eth:                          servers("10.0.0.1"),
		tb:                           servers("9.9.9.9"),
	}}
	backup := filepath.Join(t.TempDir(), scutilBackupName)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &scutilManager{log: log, backup: backup, scutil: st.run}
	if err := m.Set(Config{Servers: []netip.Addr{LoopbackIPv4, LoopbackIPv6}}); err != nil {
		t.Fatal(err)
	}
	ours := servers("127.80.73.65", "fe80::80:73:65%lo0")
	for _, k := range []string{wifi, eth, tb} {
		if !reflect.DeepEqual(st.keys[k], ours) {
			t.Errorf("after Set %s = %v, want ours", k, st.keys[k])
		}
	}
	// Tethering comes up; Ethernet goes down (IPConfiguration removes its
	// State: keys).
	st.keys[usb] = servers("172.20.10.1")
	delete(st.keys, eth)
	if err := m.Reassert(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.keys[usb], ours) {
		t.Errorf("a new service's DNS after the re-assert = %v", st.keys[usb])
	}
	if _, ok := st.keys[eth]; ok {
		t.Errorf("a gone service's key was written back: %v", st.keys[eth])
	}
	// DHCP renews on Wi-Fi after the last re-assert, then the service
	// crashes; the next start restores.
	st.keys[wifi] = servers("192.168.1.53")
	restarted := &scutilManager{log: log, backup: backup, scutil: st.run}
	if err := restarted.Restore(); err != nil {
		t.Fatal(err)
	}
	want := map[string][]scutilEntry{wifi: servers("192.168.1.53"), tb: servers("9.9.9.9"), usb: servers("172.20.10.1")}
	for k, v := range want {
		if !reflect.DeepEqual(st.keys[k], v) {
			t.Errorf("after the restore %s = %v, want %v", k, st.keys[k], v)
		}
	}
	if _, ok := st.keys[eth]; ok {
		t.Errorf("the restore brought back a gone service's key: %v", st.keys[eth])
	}
}
