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
	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/nat64"
)

// The NAT64 discovery's outcome is logged once, not again on every
// network change that finds the same; a new outcome is logged, and so is
// the old one again after a dual-stack network came between.
func TestNAT64OutcomeLoggedOnce(t *testing.T) {
	env, _ := testEnv(t, true)
	var logs lockedBuffer
	env.Log = slog.New(slog.NewTextHandler(&logs, nil))
	var mu sync.Mutex
	reach, dns64 := platform.Reach{IPv6: true}, false
	env.Reach = func(string) platform.Reach { mu.Lock(); defer mu.Unlock(); return reach }
	env.Lookup = func(ctx context.Context, servers []netip.AddrPort, host, tunnel string) (bootstrap.Result, error) {
		mu.Lock()
		on := dns64
		mu.Unlock()
		if host == nat64.DiscoveryName && on {
			return ipv6OnlyLookup(ctx, servers, host, tunnel)
		}
		return bootstrap.Result{}, errors.New("no such host")
	}
	m := newTestManager(t, env)
	ses := &session{ctx: context.Background()}
	const failed, found = "unreachable until it does", "NAT64 prefix discovered"
	step := func(what string, wantFailed, wantFound int) {
		t.Helper()
		for range 3 {
			m.reachNow(ses, true)
		}
		if f, d := strings.Count(logs.String(), failed), strings.Count(logs.String(), found); f != wantFailed || d != wantFound {
			t.Errorf("%s: %d failure and %d discovery lines, want %d and %d:\n%s", what, f, d, wantFailed, wantFound, logs.String())
		}
	}
	step("lookup failing", 1, 0)
	mu.Lock()
	dns64 = true
	mu.Unlock()
	step("prefix found", 1, 1)
	mu.Lock()
	reach = platform.Reach{IPv4: true, IPv6: true}
	mu.Unlock()
	step("dual-stack network", 1, 1)
	mu.Lock()
	reach, dns64 = platform.Reach{IPv6: true}, false
	mu.Unlock()
	step("back on the failing network", 2, 1)
}
