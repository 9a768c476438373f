//go:build !windows

package logging

import "os"

// openShared opens a log file for reading; on Unix an open reader never
// blocks the rotator's renames.
func openShared(path string) (*os.File, error) { return os.Open(path) }
