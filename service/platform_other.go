//go:build !linux

package service

// addPlatform adds the per-OS parts beyond routing and the firewall.
func addPlatform(env *Env) error { return nil }
