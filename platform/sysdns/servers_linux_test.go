package sysdns

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSystemServersLinux(t *testing.T) {
	dir := t.TempDir()
	backup, resolv, upstreams := filepath.Join(dir, "backup"), filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "upstreams")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(resolv, "nameserver 127.80.73.65\nnameserver fe80::80:73:65%lo\n")
	write(backup, "nameserver 192.168.50.1\nnameserver fd50::1\n")
	check := func(what string, want ...string) {
		t.Helper()
		got, err := systemServers(backup, resolv, upstreams)
		if err != nil || !slices.Equal(got, addrs(want...)) {
			t.Errorf("%s: %v, %v; want %v", what, got, err, want)
		}
	}
	check("while Palisade's resolv.conf is in place, the backup", "192.168.50.1", "fd50::1")
	os.Remove(backup)
	write(resolv, "nameserver 10.1.1.1\n")
	check("without a backup, the current file", "10.1.1.1")
	write(resolv, "nameserver 127.0.0.53\noptions edns0\n")
	write(upstreams, "nameserver 127.80.73.65\nnameserver 2001:db8::53\n")
	check("behind the systemd-resolved stub, its upstreams", "2001:db8::53")
	os.Remove(resolv)
	if _, err := systemServers(backup, resolv, upstreams); err == nil {
		t.Error("no resolv.conf: no error")
	}
}
