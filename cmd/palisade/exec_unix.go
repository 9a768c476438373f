//go:build !windows

package main

import (
	"os"
	"syscall"
)

// replaceProcess executes bin in place of this process, keeping its pid
// and so the group the service moved it into.
func replaceProcess(bin string, argv []string) error {
	return syscall.Exec(bin, argv, os.Environ())
}
