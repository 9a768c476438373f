package service

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/ipc"
)

// The tunnel MTU follows the endpoint's uplink: chosen at connect, set
// again on a network change that changes the uplink's MTU, without a
// reconnect.
func TestMTUFollowsUplink(t *testing.T) {
	env, r := testEnv(t, true)
	var mu sync.Mutex
	uplink, set := 1400, []int{}
	env.Uplink = func(dst netip.Addr, tunnel string) (platform.Uplink, error) {
		mu.Lock()
		defer mu.Unlock()
		return platform.Uplink{Interface: "eth0", MTU: uplink}, nil
	}
	env.SetMTU = func(dev Device, mtu int) error {
		mu.Lock()
		defer mu.Unlock()
		set = append(set, mtu)
		return nil
	}
	m := newTestManager(t, env)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, m, ipc.Connected)
	if st.MTU != 1312 || st.MTUWhy != "uplink eth0 1400 − 80, rounded down to 1312 (WireGuard pads to 16 bytes)" {
		t.Fatalf("status mtu %d %q, want 1312 from eth0 1400", st.MTU, st.MTUWhy)
	}
	r.mu.Lock()
	up := r.ups[0].MTU
	r.mu.Unlock()
	if up != 1312 {
		t.Fatalf("router got MTU %d, want 1312", up)
	}
	// While the uplink cannot be told, the MTU in use stays.
	mu.Lock()
	uplink = 0
	mu.Unlock()
	m.NetworkChanged()
	time.Sleep(100 * time.Millisecond) // several polls; a wrong change would show below
	if st := m.Status(); st.MTU != 1312 {
		t.Fatalf("with the uplink unknown the MTU moved to %d (%s)", st.MTU, st.MTUWhy)
	}
	mu.Lock()
	uplink = 1300
	mu.Unlock()
	m.NetworkChanged()
	deadline := time.Now().Add(5 * time.Second)
	for m.Status().MTU != 1280 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st = m.Status()
	mu.Lock()
	defer mu.Unlock()
	if st.MTU != 1280 || len(set) != 1 || set[0] != 1280 {
		t.Fatalf("after the uplink went to 1300: status %d %q, set %v; want 1280 set once", st.MTU, st.MTUWhy, set)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ups) != 1 {
		t.Fatalf("the tunnel was brought up %d times: the MTU change reconnected", len(r.ups))
	}
}
