//go:build !windows

package keptblock

// shareRecord: the file's mode (0644) lets every user read it; the state
// directory lets them reach it without listing it (platform.SecureStateDir).
func shareRecord(path string) error { return nil }
