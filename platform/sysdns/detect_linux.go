package sysdns

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
)

// loopbackZone is the loopback interface name written after link-local
// servers in resolv.conf.
const loopbackZone = "lo"

// Detect picks how to manage system DNS on this host and logs the choice with
// its reason. stateDir holds the crash journal.
func Detect(log *slog.Logger, stateDir string) Manager {
	p := probes{resolvedOnBus: resolvedOnBus()}
	p.resolvConfLink, _ = os.Readlink(ResolvConf)
	if bin, err := exec.LookPath("resolvconf"); err == nil {
		p.resolvconfPath = bin
		real, _ := filepath.EvalSymlinks(bin)
		p.resolvconfIsStub = filepath.Base(real) == "resolvectl"
	}
	c := choose(p)
	log.Info("sysdns: chose manager", "manager", c.kind, "reason", c.reason)
	switch c.kind {
	case "systemd-resolved":
		return &resolvedManager{log: log}
	case "resolvconf":
		return newResolvconfManager(log, p.resolvconfPath, stateDir, loopbackZone)
	}
	return newFileManager(log, ResolvConf, stateDir, loopbackZone)
}

// RestoreLeftovers undoes what a previous run left behind after a crash: a
// journaled resolv.conf is written back and a journaled resolvconf record is
// deleted. systemd-resolved forgets per-link settings when the tunnel link
// vanishes with the crashed process, so it needs nothing.
func RestoreLeftovers(log *slog.Logger, stateDir string) error {
	bin, _ := exec.LookPath("resolvconf")
	return restoreLeftovers(log, stateDir, ResolvConf, bin)
}

func restoreLeftovers(log *slog.Logger, stateDir, resolvConf, resolvconfBin string) error {
	err := restoreFile(log, resolvConf, filepath.Join(stateDir, backupName))
	journal := filepath.Join(stateDir, resolvconfJournal)
	if _, serr := os.Stat(journal); serr == nil {
		if resolvconfBin == "" {
			err = errors.Join(err, errors.New("sysdns: resolvconf record journaled but resolvconf is gone"))
		} else {
			err = errors.Join(err, deleteRecord(log, resolvconfBin, journal))
		}
	}
	return err
}
