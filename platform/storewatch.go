package platform

import "strings"

// storeWatchScript is the scutil(8) input that watches the dynamic-store
// keys macOS DNS depends on: every service's State: and Setup: DNS (DHCP
// renewals, the user editing DNS) and the global primary service. scutil
// then prints a "changed key" line per change until its input closes.
const storeWatchScript = `n.add State:/Network/Service/[^/]+/DNS pattern
n.add Setup:/Network/Service/[^/]+/DNS pattern
n.add State:/Network/Global/IPv4
n.add State:/Network/Global/IPv6
n.watch
`

// storeEvent reports whether a line of `scutil` notification output names a
// changed key (the "notification callback" header line that precedes it is
// not counted twice).
func storeEvent(line string) bool {
	return strings.Contains(line, "changed key [")
}
