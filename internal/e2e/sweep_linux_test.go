package e2e

import (
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// sweepMaxProbes bounds each of a sweep's probe loops; with probes of at
// most 2 s each it also bounds a sweep left running.
const sweepMaxProbes = 3000

// sweep probes internet from the client without pause, every probe kind of
// both families on its own goroutine, so a window of a few tens of
// milliseconds in which packets could leave outside the tunnel is hit.
type sweep struct {
	bed    *testbed.Bed
	stop   chan struct{}
	wg     sync.WaitGroup
	probes atomic.Int64
}

// startSweep resets the outside counters and starts probing from the
// client.
func startSweep(t *testing.T, b *testbed.Bed) *sweep {
	t.Helper()
	return startSweepWith(t, b, func(kind string, fam int) { leakProbe(b, kind, fam) })
}

// startSweepWith is startSweep with probe sending each probe.
func startSweepWith(t *testing.T, b *testbed.Bed, probe func(kind string, fam int)) *sweep {
	t.Helper()
	if err := b.ResetOutsideCounts(); err != nil {
		t.Fatal(err)
	}
	s := &sweep{bed: b, stop: make(chan struct{})}
	for _, fam := range []int{4, 6} {
		for _, kind := range probeKinds {
			s.wg.Go(func() {
				for range sweepMaxProbes {
					select {
					case <-s.stop:
						return
					default:
					}
					probe(kind, fam)
					s.probes.Add(1)
					// Rejected probes fail at once; a short pause keeps eight
					// loops from starving the daemon on a loaded machine.
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	t.Cleanup(s.halt)
	return s
}

func (s *sweep) halt() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.wg.Wait()
}

// outside stops the sweep and returns what reached internet outside the
// tunnel per family while it ran, and how many probes it sent.
func (s *sweep) outside(t *testing.T) (map[string]uint64, int64) {
	t.Helper()
	s.halt()
	c, err := s.bed.OutsideCounts()
	if err != nil {
		t.Fatal(err)
	}
	return c, s.probes.Load()
}

// seenOutside waits, bounded by within, until the counters saw both
// families' probes outside the tunnel, then stops the sweep and returns
// the counters. A probe is an exec into the client namespace: on a loaded
// machine the first ones can take longer than a fixed pause.
func (s *sweep) seenOutside(t *testing.T, within time.Duration) map[string]uint64 {
	t.Helper()
	var c map[string]uint64
	deadline := time.Now().Add(within)
	for {
		var err error
		if c, err = s.bed.OutsideCounts(); err != nil {
			t.Fatal(err)
		}
		if c["ipv4"] > 0 && c["ipv6"] > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.halt()
	return c
}

// serviceNames are the questions the service itself may ask the system's
// name servers outside the tunnel, through its marked sockets and the
// kill switch's bootstrap permit: the NAT64 discovery of RFC 7050 when the
// host looks IPv6-only (docs/routing.md). Nothing else may reach them.
var serviceNames = []string{"ipv4only.arpa."}

// noLeak fails t when the sweep saw packets outside the tunnel, other than
// the service's own lookups of serviceNames.
func (s *sweep) noLeak(t *testing.T, during string) {
	t.Helper()
	c, n := s.outside(t)
	names := s.bed.OutsideNames()
	t.Logf("%s: %d probes, outside the tunnel: ipv4 %d, ipv6 %d, dns %d+%d asking %v",
		during, n, c["ipv4"], c["ipv6"], c["ipv4/dns"], c["ipv6/dns"], names)
	if n == 0 {
		t.Errorf("%s: no probe was sent", during)
	}
	if c["ipv4"]+c["ipv6"] != 0 {
		t.Errorf("%s: packets reached internet outside the tunnel: %v", during, c)
	}
	if c["ipv4/dns"]+c["ipv6/dns"] != 0 && len(names) == 0 {
		t.Errorf("%s: DNS packets reached internet outside the tunnel without a question the server saw: %v", during, c)
	}
	for _, name := range names {
		if !slices.Contains(serviceNames, name) {
			t.Errorf("%s: internet's DNS server was asked %s outside the tunnel", during, name)
		}
	}
}

// outsideBaseline checks that the outside counters see both families'
// probes when nothing protects the client, so a test using them can fail.
func outsideBaseline(t *testing.T, b *testbed.Bed) {
	t.Helper()
	if err := b.ResetOutsideCounts(); err != nil {
		t.Fatal(err)
	}
	for _, fam := range []int{4, 6} {
		for _, kind := range probeKinds {
			leakProbe(b, kind, fam)
		}
	}
	c, err := b.OutsideCounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range []string{"ipv4", "ipv6", "ipv4/dns", "ipv6/dns"} {
		if c[fam] == 0 {
			t.Fatalf("baseline: no %s probe reached internet without palisaded (%v), so no leak could be seen", fam, c)
		}
	}
}

// leftovers describes what a killed daemon left of its set-up (firewall
// table, policy rules, system DNS; the TUN device dies with the process),
// to show which step of a connect or disconnect the kill hit.
func leftovers(t *testing.T, n *node) string {
	t.Helper()
	var parts []string
	for _, c := range []struct {
		what string
		args []string
		want string
	}{
		{"firewall", []string{"nft", "list", "tables"}, "inet palisade"},
		{"rules", []string{"ip", "rule"}, "suppress_prefixlength"},
	} {
		out, err := n.bed.Exec(testbed.RoleClient, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(c.args, " "), err)
		}
		if strings.Contains(string(out), c.want) {
			parts = append(parts, c.what)
		}
	}
	if resolv, err := os.ReadFile(n.daemon.ResolvConf()); err == nil && strings.Contains(string(resolv), "127.80.73.65") {
		parts = append(parts, "dns")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "+")
}
