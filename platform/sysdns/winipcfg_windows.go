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

// Set configures 127.80.73.65 only: a link-local server set on the tunnel
// interface would be looked for on the tunnel link, not on loopback.
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

// loopbackLUID finds the Loopback Pseudo-Interface.
func loopbackLUID() (winipcfg.LUID, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return 0, err
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			return winipcfg.LUIDFromIndex(uint32(ifc.Index))
		}
	}
	return 0, errors.New("sysdns: no loopback interface")
}

var loopbackV6Prefix = netip.PrefixFrom(LoopbackIPv6, 128)

// AddLoopbackAddrs puts fe80::80:73:65/128 on the loopback interface so the
// resolver can bind it; Windows already delivers all of 127/8 locally.
func AddLoopbackAddrs() error {
	luid, err := loopbackLUID()
	if err != nil {
		return err
	}
	err = luid.AddIPAddress(loopbackV6Prefix)
	if err != nil && !errors.Is(err, windows.ERROR_OBJECT_ALREADY_EXISTS) {
		return fmt.Errorf("sysdns: add %v to loopback: %w", LoopbackIPv6, err)
	}
	return nil
}

// RemoveLoopbackAddrs removes the address; a missing one is not an error.
func RemoveLoopbackAddrs() error {
	luid, err := loopbackLUID()
	if err != nil {
		return err
	}
	err = luid.DeleteIPAddress(loopbackV6Prefix)
	if err != nil && !errors.Is(err, windows.ERROR_NOT_FOUND) {
		return fmt.Errorf("sysdns: remove %v from loopback: %w", LoopbackIPv6, err)
	}
	return nil
}
