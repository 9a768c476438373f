package service

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/nat64"
)

// heldKernel stands in for the kernel's per-interface NAT64 lists
// (platform.NAT64Prefixes on macOS).
type heldKernel struct {
	mu    sync.Mutex
	lists map[string][]netip.Prefix
	err   error
	reads int
}

func (k *heldKernel) read(iface string) ([]netip.Prefix, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reads++
	return append([]netip.Prefix(nil), k.lists[iface]...), k.err
}

func (k *heldKernel) set(iface string, ps ...netip.Prefix) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lists[iface] = ps
}

// macOS: the prefixes come from the kernel's list of each IPv6 default
// router's interface, read at every re-plan and taken whole; the tunnel's
// list, an invalid prefix and a failed read do not count; each change is
// logged once.
func TestPREF64SourceHeld(t *testing.T) {
	var logs lockedBuffer
	routes := []platform.Route{
		{Dst: netip.MustParsePrefix("::/0"), Interface: "en0", Gateway: netip.MustParseAddr("fe80::1%en0")},
		{Dst: netip.MustParsePrefix("::/0"), Interface: "utun4", Gateway: netip.MustParseAddr("fe80::9")},
	}
	bad := netip.MustParsePrefix("2001:db8:0:0:ff00::/96") // u octet set: no RFC 6052 prefix
	k := &heldKernel{lists: map[string][]netip.Prefix{
		"utun4": {netip.MustParsePrefix("2001:db8:99::/96")},
		"en0":   {raPrefix, bad},
	}}
	src := &pref64Source{log: slog.New(slog.NewTextHandler(&logs, nil)), held: k.read,
		routers: defaultRouters6(func() ([]platform.Route, error) { return routes, nil })}
	got := src.usable("utun4")
	if len(got) != 1 || got[0].Prefix != raPrefix || got[0].Interface != "en0" {
		t.Fatalf("usable = %v, want only %s from en0", got, raPrefix)
	}
	if k.reads != 1 {
		t.Errorf("%d kernel reads, want 1 (en0's; the tunnel is no default router outside itself)", k.reads)
	}
	src.usable("utun4")
	if n := strings.Count(logs.String(), "NAT64 prefixes the system holds for the interface changed"); n != 1 {
		t.Errorf("%d change lines for one change:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "NAT64 prefix of the system ignored") {
		t.Errorf("the invalid prefix was not logged:\n%s", logs.String())
	}
	// A failed read keeps the last list.
	k.err = errors.New("device not configured")
	if got := src.usable("utun4"); len(got) != 1 || got[0].Prefix != raPrefix {
		t.Errorf("after a failed read: %v", got)
	}
	k.err = nil
	// configd's discovery replaced IPConfiguration's prefix; then the list
	// emptied (the router withdrew it).
	other := netip.MustParsePrefix("64:ff9b::/96")
	k.set("en0", other)
	if got := src.usable("utun4"); len(got) != 1 || got[0].Prefix != other {
		t.Errorf("after the list changed: %v, want %s alone", got, other)
	}
	k.set("en0")
	if got := src.usable("utun4"); len(got) != 0 {
		t.Errorf("after the list emptied: %v", got)
	}
}

// The whole decision with the macOS source: an IPv4 endpoint on an
// IPv6-only network is synthesized under the kernel's prefix without
// asking DNS64, and follows the list when it empties (DNS64 then).
func TestHeldPREF64ReachesIPv4Endpoint(t *testing.T) {
	env, r := testEnv(t, false)
	env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
	var dns countingLookup
	env.Lookup = dns.lookup
	k := &heldKernel{lists: map[string][]netip.Prefix{"en0": {raPrefix}}}
	src := &pref64Source{log: env.Log, held: k.read, routers: func(string) ([]nat64.Router, error) {
		return []nat64.Router{{Interface: "en0", Addr: netip.MustParseAddr("fe80::1")}}, nil
	}}
	env.RAPrefixes = src.usable
	v4 := netip.MustParseAddr("198.51.100.7")
	viaKernel, _ := nat64.Synthesize(raPrefix, v4)
	viaDNS, _ := nat64.Synthesize(nsp, v4)
	withAnsweringDevice(&env, r, func(ep netip.AddrPort) bool { return ep.Addr() != v4 })
	m := newTestManager(t, env)
	m.Import("home", v4LiteralProfile)
	m.Connect("home")
	waitEndpoint(t, m, netip.AddrPortFrom(viaKernel, 51820), raPrefix)
	if n := dns.discoveries.Load(); n != 0 {
		t.Errorf("DNS64 asked %d times beside the kernel's prefix", n)
	}
	k.set("en0")
	m.NetworkChanged()
	waitEndpoint(t, m, netip.AddrPortFrom(viaDNS, 51820), nsp)
}

// The log names the source the service actually knows: macOS's list may
// have been filled by configd's DNS64 discovery as well as by a router
// advertisement, so a held prefix is not logged as a router's; a prefix
// the service parsed from a router advertisement itself is.
func TestNAT64LogNamesTheKnownSource(t *testing.T) {
	for _, held := range []bool{true, false} {
		env, _ := testEnv(t, false)
		var logs lockedBuffer
		env.Log = slog.New(slog.NewTextHandler(&logs, nil))
		env.Reach = func(string) platform.Reach { return platform.Reach{IPv6: true} }
		env.RAPrefixes = func(string) []nat64.Announced {
			return []nat64.Announced{{Router: nat64.Router{Interface: "en0", Addr: netip.MustParseAddr("fe80::1")}, Prefix: raPrefix, Held: held}}
		}
		m := newTestManager(t, env)
		if r := m.reachNow(&session{ctx: context.Background()}, true); r.NAT64 != raPrefix {
			t.Fatalf("held %v: NAT64 %v, want %s", held, r.NAT64, raPrefix)
		}
		out := logs.String()
		saysRA := strings.Contains(out, "NAT64 prefix from the router advertisement")
		saysHeld := strings.Contains(out, "NAT64 prefix the system holds for the interface (from its router advertisement's PREF64 or its own RFC 7050 discovery)")
		if saysRA == held || saysHeld != held {
			t.Errorf("held %v: log names the router advertisement %v, the system's list %v:\n%s", held, saysRA, saysHeld, out)
		}
	}
}
