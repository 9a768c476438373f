//go:build !windows

package profile

import "os"

// syncDir makes a rename or removal in dir durable across a power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
