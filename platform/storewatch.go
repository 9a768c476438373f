package platform

import "strings"

// storeWatchScript is the scutil(8) input that watches the dynamic-store
// keys macOS DNS depends on: every service's State: and Setup: DNS (DHCP
// renewals, the user editing DNS) and the global primary service. It opens
// a session first: scutil's n.add refuses to work without one ("No
// SCDynamicStore session"), unlike show and set, which use a default
// session. scutil then prints a "changedKey" line per change until its
// input closes.
const storeWatchScript = `open
n.add State:/Network/Service/[^/]+/DNS pattern
n.add Setup:/Network/Service/[^/]+/DNS pattern
n.add State:/Network/Global/IPv4
n.add State:/Network/Global/IPv6
n.watch
`

// storeEvent reports whether a line of `scutil` notification output names a
// changed key: scutil prints "  HH:MM:SS.mmm changedKey [i] = KEY" per key
// after a "notification callback" header, which is not counted twice.
func storeEvent(line string) bool {
	return strings.Contains(line, " changedKey [")
}
