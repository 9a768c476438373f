package service

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sysdns"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// Cleanup removes everything of Palisade's from the host, for uninstallers
// (the MSI runs it through `palisaded cleanup` before the binaries go, as
// Mullvad's uninstaller resets its firewall): every firewall object,
// persistent and boot-time ones included, the journaled routes, the system
// DNS changes, the resolver's loopback addresses, the journal's armed
// kill switch (else the next start blocks again at once) and the record of
// a kept block. The service must be
// stopped first. Every step runs even when an earlier one failed.
func Cleanup(log *slog.Logger, stateDir string) error {
	var errs []error
	step := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		log.Info("cleanup: done", "step", what)
	}
	fw, err := firewall.New(log, stateDir)
	if err == nil {
		err = fw.Remove()
	}
	step("firewall", err)
	step("routes", platform.NewRouter(log, stateDir).Down())
	step("armed kill switch", disarmJournal(stateDir))
	_, err = keptblock.Remove(stateDir)
	step("kept-block record", err)
	step("system DNS", sysdns.RestoreLeftovers(log, stateDir))
	if err := sysdns.RemoveLoopbackAddrs(); errors.Is(err, sysdns.ErrNoIPv6) {
		err = nil
	} else {
		step("resolver loopback addresses", err)
	}
	return errors.Join(errs...)
}
