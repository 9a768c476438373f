package platform

import "strings"

// storeWatchScript is the scutil(8) input that watches the dynamic-store
// keys macOS DNS depends on: every service's State: and Setup: DNS (DHCP
// renewals, the user editing DNS, services coming and going) and the global
// primary service; and those that tell of a new NAT64 prefix in the
// kernel (NAT64Prefixes): IPConfiguration publishes a PREF64 prefix in the
// service's IPv6 dictionary (NAT64Prefix), configd its discovery's result
// under State:/Network/Interface/IF/NAT64, neither with any routing
// message. It opens
// a session first: scutil's n.add refuses to work without one ("No
// SCDynamicStore session"), unlike show and set, which use a default
// session. scutil then prints a "changedKey" line per change until its
// input closes.
const storeWatchScript = `open
n.add State:/Network/Service/[^/]+/DNS pattern
n.add Setup:/Network/Service/[^/]+/DNS pattern
n.add State:/Network/Global/IPv4
n.add State:/Network/Global/IPv6
n.add State:/Network/Service/[^/]+/IPv6 pattern
n.add State:/Network/Interface/[^/]+/NAT64 pattern
n.watch
`

// storeEvent reports whether a line of `scutil` notification output names a
// changed key: scutil prints "  HH:MM:SS.mmm changedKey [i] = KEY" per key
// after a "notification callback" header, which is not counted twice.
func storeEvent(line string) bool {
	return strings.Contains(line, " changedKey [")
}
