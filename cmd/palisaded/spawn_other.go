//go:build !linux

package main

// spawnSetup has nothing to do where no exec watch runs inside palisaded
// (split tunnelling is Linux-only).
func spawnSetup([]string) {}
