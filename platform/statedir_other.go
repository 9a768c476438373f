//go:build !windows

package platform

import (
	"fmt"
	"os"
)

// stateDirMode lets only root list or change the state directory; others
// may pass through it to open a file by name, which only the kill switch's
// kept-block record (mode 0644, service/keptblock) allows them: the tray
// and the CLI read it, as the user, while the service is down. Every other
// file in it is 0600.
const stateDirMode = 0o711

// SecureStateDir creates the state directory with mode 0711 and sets an
// existing one to it; it returns what it changed, for the caller's log.
func SecureStateDir(dir string) (changed string, err error) {
	if err := os.MkdirAll(dir, stateDirMode); err != nil {
		return "", err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm() == stateDirMode {
		return "", nil
	}
	if err := os.Chmod(dir, stateDirMode); err != nil {
		return "", err
	}
	return fmt.Sprintf("mode %o -> %o", fi.Mode().Perm(), stateDirMode), nil
}
