//go:build !windows

package atomicfile

import "os"

// SyncDir makes a rename or removal in dir durable across a power loss.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
