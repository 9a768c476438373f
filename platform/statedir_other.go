//go:build !windows

package platform

import (
	"fmt"
	"os"
)

// SecureStateDir creates the state directory with mode 0700 and tightens
// an existing one to it; it returns what it changed, for the caller's log.
func SecureStateDir(dir string) (changed string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm() == 0o700 {
		return "", nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	return fmt.Sprintf("mode %o -> 700", fi.Mode().Perm()), nil
}
