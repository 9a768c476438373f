package sysdns

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
)

// resolvedUpstreams is where systemd-resolved lists its real servers.
const resolvedUpstreams = "/run/systemd/resolve/resolv.conf"

// SystemServers returns the name servers the system had before Palisade
// changed DNS: those of the journaled original resolv.conf while Palisade
// has replaced it, else those of the current one (for systemd-resolved,
// its upstream list rather than its stub), never Palisade's own resolver.
func SystemServers(stateDir string) ([]netip.Addr, error) {
	return systemServers(filepath.Join(stateDir, backupName), ResolvConf, resolvedUpstreams)
}

func systemServers(backup, resolvConf, upstreams string) ([]netip.Addr, error) {
	data, err := os.ReadFile(backup)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = os.ReadFile(resolvConf)
	}
	if err != nil {
		return nil, err
	}
	addrs := parseResolvConf(data)
	if onlyStub(addrs) {
		if up, err := os.ReadFile(upstreams); err == nil {
			addrs = parseResolvConf(up)
		}
	}
	return foreign(addrs), nil
}
