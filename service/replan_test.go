package service

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// On macOS and Windows the endpoint host route points at the default
// gateway of the moment: a network change must move it, and only while a
// tunnel is up.
func TestNetworkChangeReplansEndpointRoutes(t *testing.T) {
	m, r := testManager(t, true)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	m.NetworkChanged()
	if n := len(r.replanned()); n != 0 {
		t.Fatalf("re-planned %d times without a tunnel", n)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	m.NetworkChanged()
	want := []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::7]:51820")}
	if got := r.replanned(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("replans after a network change = %v, want one for %v", got, want)
	}
	m.Disconnect()
	m.NetworkChanged()
	if n := len(r.replanned()); n != 1 {
		t.Fatalf("re-planned after disconnect (%d calls)", n)
	}
}

// A stale handshake re-plans routes too, not only the peer configuration:
// the server may be unreachable because the way to it changed.
func TestStaleHandshakeReplans(t *testing.T) {
	m, r := testManager(t, true)
	m.env.Timing.StaleAfter = 200 * time.Millisecond
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	waitState(t, m, ipc.Reconnecting)
	deadline := time.Now().Add(5 * time.Second)
	for len(r.replanned()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(r.replanned()) == 0 {
		t.Fatal("no re-plan after the handshake went stale")
	}
}
