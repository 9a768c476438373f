package sysdns

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

const original = "# from DHCP\nnameserver 192.168.1.1\nnameserver fd00::1\nsearch lan\n"

// tempResolvConf makes a resolv.conf in a temp dir and a separate state dir.
func tempResolvConf(t *testing.T) (path, stateDir string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(path, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, filepath.Join(dir, "state")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileManagerRoundTrip(t *testing.T) {
	path, state := tempResolvConf(t)
	m := newFileManager(quiet, path, state, "lo")
	cfg := Config{Interface: "wg0", Servers: testServers}
	if err := m.Set(cfg); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	if !strings.Contains(got, "nameserver 127.80.73.65\n") || !strings.Contains(got, "nameserver fe80::80:73:65%lo\n") || strings.Contains(got, "192.168.1.1") {
		t.Fatalf("resolv.conf while set:\n%s", got)
	}
	if readFile(t, filepath.Join(state, backupName)) != original {
		t.Fatal("backup differs from the original")
	}
	// A second Set must not journal our own content as the original.
	if err := m.Set(cfg); err != nil {
		t.Fatal(err)
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if readFile(t, path) != original {
		t.Fatalf("restored content differs:\n%s", readFile(t, path))
	}
	if _, err := os.Stat(filepath.Join(state, backupName)); !os.IsNotExist(err) {
		t.Fatalf("backup still present: %v", err)
	}
	if err := m.Restore(); err != nil {
		t.Fatalf("second Restore: %v", err)
	}
}

func TestFileManagerKeepsSymlink(t *testing.T) {
	path, state := tempResolvConf(t)
	link := filepath.Join(filepath.Dir(path), "etc-resolv.conf")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	m := newFileManager(quiet, link, state, "lo")
	if err := m.Set(Config{Servers: testServers}); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(link); err != nil || target != path {
		t.Fatalf("symlink replaced: %q %v", target, err)
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if readFile(t, path) != original {
		t.Fatal("target not restored")
	}
}

func TestCrashLeftoversRestored(t *testing.T) {
	path, state := tempResolvConf(t)
	m := newFileManager(quiet, path, state, "lo")
	if err := m.Set(Config{Servers: testServers}); err != nil {
		t.Fatal(err)
	}
	m.stopWatch() // the process "dies" without Restore
	if err := restoreLeftovers(quiet, state, path, ""); err != nil {
		t.Fatal(err)
	}
	if readFile(t, path) != original {
		t.Fatalf("leftover not restored:\n%s", readFile(t, path))
	}
	if err := restoreLeftovers(quiet, state, path, ""); err != nil {
		t.Fatalf("restoring with nothing left over: %v", err)
	}
	if readFile(t, path) != original {
		t.Fatal("second RestoreLeftovers changed the file")
	}
}

func TestFileManagerReasserts(t *testing.T) {
	path, state := tempResolvConf(t)
	m := newFileManager(quiet, path, state, "lo")
	m.interval = 20 * time.Millisecond
	if err := m.Set(Config{Servers: testServers}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Restore() })
	ours := readFile(t, path)
	// Overwrite the way DHCP clients do: a new file renamed into place.
	tmp := path + ".dhcp"
	if err := os.WriteFile(tmp, []byte("nameserver 192.168.1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for readFile(t, path) != ours {
		if time.Now().After(deadline) {
			t.Fatalf("not re-asserted within 10 s:\n%s", readFile(t, path))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if readFile(t, path) != original {
		t.Fatal("restore after re-assert lost the original")
	}
}

// fakeResolvconf installs a shell script that records its arguments and stdin.
func fakeResolvconf(t *testing.T) (bin, logPath string) {
	t.Helper()
	dir := t.TempDir()
	bin, logPath = filepath.Join(dir, "resolvconf"), filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"ARGS $*\" >> " + logPath + "\ncat >> " + logPath + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, logPath
}

func TestResolvconfManager(t *testing.T) {
	bin, calls := fakeResolvconf(t)
	state := t.TempDir()
	m := newResolvconfManager(quiet, bin, state, "lo")
	if err := m.Set(Config{Interface: "wg0", Servers: testServers}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, calls)
	if !strings.Contains(got, "ARGS -a wg0.palisade\n") || !strings.Contains(got, "nameserver fe80::80:73:65%lo\n") {
		t.Fatalf("resolvconf calls:\n%s", got)
	}
	if err := m.Restore(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, calls), "ARGS -d wg0.palisade\n") {
		t.Fatalf("no delete:\n%s", readFile(t, calls))
	}
	if err := m.Set(Config{Interface: "bad name", Servers: testServers}); err == nil {
		t.Fatal("interface name with a space accepted")
	}
}

func TestResolvconfLeftoverDeleted(t *testing.T) {
	bin, calls := fakeResolvconf(t)
	state := t.TempDir()
	m := newResolvconfManager(quiet, bin, state, "lo")
	if err := m.Set(Config{Interface: "wg7", Servers: testServers}); err != nil {
		t.Fatal(err)
	}
	path, _ := tempResolvConf(t)
	if err := restoreLeftovers(quiet, state, path, bin); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, calls), "ARGS -d wg7.palisade\n") {
		t.Fatalf("leftover record not deleted:\n%s", readFile(t, calls))
	}
	if _, err := os.Stat(filepath.Join(state, resolvconfJournal)); !os.IsNotExist(err) {
		t.Fatal("journal kept")
	}
	if readFile(t, path) != original {
		t.Fatal("resolv.conf touched without a backup")
	}
}

func TestResolvedArgs(t *testing.T) {
	servers, domains := resolvedArgs(Config{
		Servers: append(testServers, netip.MustParseAddr("2001:db8::53")),
		Domains: []string{"corp.example"},
	})
	if len(servers) != 2 || servers[0].Family != 2 || !bytes.Equal(servers[0].Address, []byte{127, 80, 73, 65}) {
		t.Fatalf("servers %+v, want 127.80.73.65 then 2001:db8::53 (link-local left out)", servers)
	}
	if servers[1].Family != 10 || !net.IP(servers[1].Address).Equal(net.ParseIP("2001:db8::53")) {
		t.Fatalf("IPv6 server %+v", servers[1])
	}
	if len(domains) != 2 || domains[0] != (linkDomain{".", true}) || domains[1] != (linkDomain{"corp.example", false}) {
		t.Fatalf("domains %+v", domains)
	}
}

// The self-check trusts resolved only with "~." on the tunnel link, the
// routing domain the resolved manager sets.
func TestRoutesAll(t *testing.T) {
	_, domains := resolvedArgs(Config{Interface: "palisade0", Servers: []netip.Addr{LoopbackIPv4}, Domains: []string{"corp.example"}})
	if !routesAll(domains) {
		t.Errorf("the manager's own domains %v do not route all names", domains)
	}
	for _, d := range [][]linkDomain{nil, {{"corp.example", false}}, {{".", false}}, {{"corp.example", true}}} {
		if routesAll(d) {
			t.Errorf("%v routes all names", d)
		}
	}
}
