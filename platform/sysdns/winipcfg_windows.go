package sysdns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// winipcfgManager sets DNS on the tunnel interface itself. Windows prefers the
// DNS servers of the interface with the best route metric, which is the
// tunnel; the firewall blocks port 53 elsewhere. Settings belong to the
// wintun adapter and vanish with it, so a crash leaves nothing behind.
type winipcfgManager struct {
	log  *slog.Logger
	luid winipcfg.LUID
}

// Detect returns the winipcfg manager, the only mechanism used on Windows.
func Detect(log *slog.Logger, stateDir string) Manager {
	log.Info("sysdns: chose manager", "manager", "winipcfg", "reason", "per-interface DNS on the tunnel adapter")
	return &winipcfgManager{log: log}
}

// RestoreLeftovers has nothing to do on Windows: interface DNS settings are
// removed together with the crashed run's tunnel adapter.
func RestoreLeftovers(log *slog.Logger, stateDir string) error { return nil }

func (m *winipcfgManager) Name() string { return "winipcfg" }

// Set configures the non-link-local servers only (127.80.73.65): a
// link-local server set on the tunnel interface would be looked for on the
// tunnel link, not on loopback.
func (m *winipcfgManager) Set(cfg Config) error {
	if err := validate(cfg); err != nil {
		return err
	}
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("sysdns: %w", err)
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(ifc.Index))
	if err != nil {
		return fmt.Errorf("sysdns: LUID of %s: %w", cfg.Interface, err)
	}
	var servers []netip.Addr
	for _, s := range cfg.Servers {
		if !s.IsLinkLocalUnicast() {
			servers = append(servers, s)
		}
	}
	if len(servers) == 0 {
		return fmt.Errorf("sysdns: no server usable on Windows among %v", cfg.Servers)
	}
	for _, family := range []winipcfg.AddressFamily{windows.AF_INET, windows.AF_INET6} {
		if err := luid.SetDNS(family, servers, cfg.Domains); err != nil {
			return fmt.Errorf("sysdns: SetDNS on %s: %w", cfg.Interface, err)
		}
	}
	m.luid = luid
	m.log.Info("sysdns: set interface DNS", "interface", cfg.Interface, "servers", servers)
	return nil
}

func (m *winipcfgManager) Restore() error {
	if m.luid == 0 {
		return nil
	}
	var errs []error
	for _, family := range []winipcfg.AddressFamily{windows.AF_INET, windows.AF_INET6} {
		if err := m.luid.FlushDNS(family); err != nil && !errors.Is(err, windows.ERROR_NOT_FOUND) && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sysdns: FlushDNS: %w", err)
	}
	m.luid = 0
	return nil
}

// AddLoopbackAddrs adds nothing on Windows: all of 127/8 is already local,
// and a DNS server on fe80::80:73:65 would be looked for on the tunnel
// adapter it is configured on, not on loopback. The resolver runs on
// 127.80.73.65 alone there (ErrLoopbackIPv6Unusable), which answers AAAA
// questions as well, and the system is pointed at that address only.
func AddLoopbackAddrs() error { return ErrLoopbackIPv6Unusable }

// RemoveLoopbackAddrs has nothing to remove on Windows.
func RemoveLoopbackAddrs() error { return nil }
