package main

import "github.com/palisadevpn/palisade/platform/spawn"

// spawnSetup runs this process as a spawn helper when it was started as
// one, and otherwise makes palisaded start its programs through such
// helpers: its split-tunnel watch answers execs inside this process, which
// must never wait on an exec itself (see package spawn).
func spawnSetup(args []string) {
	spawn.Helper(args)
	spawn.UseSelf()
}
