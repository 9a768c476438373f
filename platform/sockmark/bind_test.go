package sockmark

import (
	"errors"
	"net"
	"testing"
)

func TestBindIndex(t *testing.T) {
	for _, c := range []struct {
		network string
		v6      bool
		index   int
	}{{"udp4", false, 4}, {"tcp4", false, 4}, {"udp6", true, 6}, {"tcp6", true, 6}, {"udp", false, 4}} {
		v6, index := bindIndex(c.network, 4, 6)
		if v6 != c.v6 || index != c.index {
			t.Errorf("%s: %v %d, want %v %d", c.network, v6, index, c.v6, c.index)
		}
	}
}

// binder sets the option on the socket being dialed, per family, skips
// unknown interfaces and fails the dial when the option fails.
func TestBinder(t *testing.T) {
	type call struct {
		v6    bool
		index int
	}
	var calls []call
	set := func(fd uintptr, v6 bool, index int) error {
		if fd == 0 {
			t.Error("no descriptor")
		}
		calls = append(calls, call{v6, index})
		return nil
	}
	d := net.Dialer{Control: binder(4, 0, set)}
	for _, addr := range []string{"127.0.0.1:53", "[::1]:53"} {
		if c, err := d.Dial("udp", addr); err == nil {
			c.Close()
		}
	}
	if len(calls) != 1 || calls[0] != (call{false, 4}) {
		t.Errorf("calls %v, want one IPv4 bind to 4 (no IPv6 interface known)", calls)
	}
	fail := errors.New("no such interface")
	d.Control = binder(4, 6, func(uintptr, bool, int) error { return fail })
	if _, err := d.Dial("udp", "127.0.0.1:53"); !errors.Is(err, fail) {
		t.Errorf("dial with a failing option: %v", err)
	}
}
