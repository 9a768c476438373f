package platform

// Routing-socket message types of macOS's <net/route.h> (a stable ABI), kept
// here so the filter below is tested off macOS.
const (
	rtmAdd     = 0x1
	rtmDelete  = 0x2
	rtmChange  = 0x3
	rtmNewAddr = 0xc
	rtmDelAddr = 0xd
	rtmIfInfo  = 0xe
)

// routeEvent reports whether a routing-socket message is a change the
// service must follow: routes added, removed or changed (a new default
// gateway), addresses coming and going, interfaces going up or down.
// Lookups (RTM_GET), misses and neighbour resolution are noise. Every
// message starts with its length (2 bytes), version and type.
func routeEvent(msg []byte) bool {
	if len(msg) < 4 {
		return false
	}
	switch msg[3] {
	case rtmAdd, rtmDelete, rtmChange, rtmNewAddr, rtmDelAddr, rtmIfInfo:
		return true
	}
	return false
}
