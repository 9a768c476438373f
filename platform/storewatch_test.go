package platform

import (
	"strings"
	"testing"
)

func TestStoreEvent(t *testing.T) {
	// scutil's own format (configd's scutil.tproj/notifications.c): an
	// elapsed-time stamp before each changedKey line.
	out := `notification callback (store address = 0x7f8b1c405f30).
  14:02:11.532 changedKey [0] = State:/Network/Service/8F66D4D4-1/DNS
  14:02:11.532 (+0.000) changedKey [1] = State:/Network/Global/IPv4
  no changed key's.
`
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if storeEvent(l) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d changes counted, want 2", n)
	}
	// n.add does nothing without a session of scutil's own.
	if !strings.HasPrefix(storeWatchScript, "open\n") {
		t.Errorf("watch script does not open a session first:\n%s", storeWatchScript)
	}
	for _, k := range []string{"State:/Network/Service/[^/]+/DNS pattern", "Setup:/Network/Service/[^/]+/DNS pattern", "State:/Network/Global/IPv4", "n.watch",
		// A new NAT64 prefix in the kernel comes with one of these.
		"State:/Network/Service/[^/]+/IPv6 pattern", "State:/Network/Interface/[^/]+/NAT64 pattern"} {
		if !strings.Contains(storeWatchScript, k) {
			t.Errorf("watch script lacks %q", k)
		}
	}
}
