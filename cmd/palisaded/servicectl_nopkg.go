//go:build !linux

package main

// packagedUnits is empty off Linux: the macOS .pkg registers the service by
// running `palisaded install` itself, so there is nothing to refuse there.
var packagedUnits []string
