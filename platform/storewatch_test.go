package platform

import (
	"strings"
	"testing"
)

func TestStoreEvent(t *testing.T) {
	out := `notification callback (store address = 0x7f8b1c405f30).
  changed key [0] = State:/Network/Service/8F66D4D4-1/DNS
  changed key [1] = State:/Network/Global/IPv4
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
	for _, k := range []string{"State:/Network/Service/[^/]+/DNS pattern", "Setup:/Network/Service/[^/]+/DNS pattern", "State:/Network/Global/IPv4", "n.watch"} {
		if !strings.Contains(storeWatchScript, k) {
			t.Errorf("watch script lacks %q", k)
		}
	}
}
