package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// excludePrivateIPv4 is the official WireGuard apps' "exclude private IPs"
// AllowedIPs: every public IPv4 range, without RFC 1918 and 224/3, plus the
// profile's DNS server, which the apps add so it stays in the tunnel.
var excludePrivateIPv4 = strings.Split(testbed.TunnelServerIPv4.String()+"/32, 0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/3, 160.0.0.0/5, 168.0.0.0/6, 172.0.0.0/12, 172.32.0.0/11, 172.64.0.0/10, 172.128.0.0/9, 173.0.0.0/8, 174.0.0.0/7, 176.0.0.0/4, 192.0.0.0/9, 192.128.0.0/11, 192.160.0.0/13, 192.169.0.0/16, 192.170.0.0/15, 192.172.0.0/14, 192.176.0.0/12, 192.192.0.0/10, 193.0.0.0/8, 194.0.0.0/7, 196.0.0.0/6, 200.0.0.0/5, 208.0.0.0/4", ", ")

// coverageHold is how long a tunnel must keep working after connect: past
// the first keepalives, so the WireGuard socket's own packets have had
// every chance to loop into the tunnel.
const coverageHold = 30 * time.Second

// IPv4-only profiles that take all of IPv4 without saying 0.0.0.0/0 are full
// IPv4 tunnels: traffic and DNS go through the tunnel and keep doing so,
// IPv6 is blocked (routes, firewall, AAAA), nothing leaks, with the kill
// switch off and on. The variants run in parallel to share the hold.
func TestFullIPv4WithoutSlashZero(t *testing.T) {
	for _, v := range []struct {
		name    string
		allowed []string
	}{
		{"halves", []string{"0.0.0.0/1", "128.0.0.0/1"}},
		{"exclude-private", excludePrivateIPv4},
	} {
		for _, ks := range []string{"off", "auto"} {
			t.Run(v.name+"/killswitch-"+ks, func(t *testing.T) {
				t.Parallel()
				n := start(t, testbed.Options{ServerNoIPv6Tunnel: true})
				mustCLI(t, n, "set", "killswitch", ks)
				n.importProfile(t, "p", testbed.ProfileOptions{IPv4Only: true, AllowedIPs: v.allowed})
				st := n.connect(t, "p")
				if st.TunnelIPv6 || !st.IPv6Blocked || !strings.HasPrefix(st.Routing, "full IPv4 tunnel") || st.KillSwitchEngaged != (ks != "off") {
					t.Errorf("status: tunnel IPv6 %v, IPv6 blocked %v, routing %q, kill switch engaged %v",
						st.TunnelIPv6, st.IPv6Blocked, st.Routing, st.KillSwitchEngaged)
				}
				checkFullIPv4(t, n, "at connect")
				time.Sleep(coverageHold)
				checkFullIPv4(t, n, fmt.Sprintf("after %s", coverageHold))
			})
		}
	}
}

// checkFullIPv4 checks a full IPv4 tunnel without IPv6: IPv4 reaches
// internet through the tunnel, the resolver answers through it and
// answers AAAA empty, and no probe of either family leaks.
func checkFullIPv4(t *testing.T, n *node, when string) {
	t.Helper()
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	if err := n.bed.ResetTunnelCounts(); err != nil {
		t.Fatal(err)
	}
	if seen, err := n.probeSeen(t, testbed.InternetIPv4); err != nil || seen != testbed.ServerIPv4.String() {
		t.Errorf("%s: IPv4 to internet seen from %q (%v), want the server's %s", when, seen, err, testbed.ServerIPv4)
	}
	for _, fam := range []int{4, 6} {
		for _, kind := range probeKinds {
			leakProbe(n.bed, kind, fam)
		}
	}
	if got := n.dig(t, "@127.80.73.65", testbed.TunnelName, "A"); got != testbed.TunnelNameIPv4.String() {
		t.Errorf("%s: A through the resolver: %q", when, got)
	}
	out, _ := n.daemon.Exec("dig", "+time=2", "+tries=1", "@127.80.73.65", testbed.TunnelName, "AAAA")
	if s := string(out); !strings.Contains(s, "status: NOERROR") || !strings.Contains(s, "ANSWER: 0,") {
		t.Errorf("%s: AAAA beside an IPv4-only tunnel: want an empty NOERROR, got\n%s", when, s)
	}
	tc, err := n.bed.TunnelCounts()
	if err != nil {
		t.Fatal(err)
	}
	if tc["ipv4"] == 0 {
		t.Errorf("%s: nothing reached internet through the tunnel: %v", when, tc)
	}
	if c := n.leaks(t); total(c, "ipv4") != 0 || total(c, "ipv6") != 0 {
		t.Errorf("%s: packets leaked outside the tunnel: %v", when, c)
	}
}

// A split profile whose allowed ranges contain the endpoint of each family
// keeps working: the WireGuard socket's own packets bypass the tunnel (the
// kernel routes them by their mark), so data flows, still after the hold,
// and a fresh handshake after a server restart completes; traffic outside
// the split is left alone.
func TestSplitProfileContainingEndpoint(t *testing.T) {
	n := start(t, testbed.Options{})
	mustCLI(t, n, "set", "killswitch", "off")
	allowed := []string{"10.64.0.0/24", "fd64::/64", "198.51.100.0/24", "2001:db8:100::/64"}
	n.importProfile(t, "split", testbed.ProfileOptions{AllowedIPs: allowed})
	st := n.connect(t, "split")
	if want := "split: " + strings.Join(allowed, ", "); st.Routing != want || st.IPv6Blocked {
		t.Errorf("routing %q (IPv6 blocked %v), want %q", st.Routing, st.IPv6Blocked, want)
	}
	for _, ep := range []netip.Addr{testbed.ServerIPv4, testbed.ServerIPv6} {
		if dev := routeDev(t, n, ep, ""); dev != "palisade0" {
			t.Errorf("unmarked packets to %s leave through %q, want the tunnel", ep, dev)
		}
		if dev := routeDev(t, n, ep, "0xca6c"); dev != "eth0" {
			t.Errorf("the WireGuard socket's packets to %s leave through %q, want eth0", ep, dev)
		}
	}
	checkSplit(t, n, "at connect")
	time.Sleep(coverageHold)
	checkSplit(t, n, fmt.Sprintf("after %s", coverageHold))
	// A server restart forgets the session: only a new handshake, sent by
	// the marked socket to an endpoint inside the split, brings the tunnel
	// back. WireGuard starts one once the pings go unanswered for 15 s.
	restart := time.Now()
	if err := n.bed.StopServer(); err != nil {
		t.Fatal(err)
	}
	if err := n.bed.StartServer(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "a new handshake and a ping through the tunnel", func() bool {
		pinged := n.bed.ProbePing(context.Background(), testbed.TunnelServerIPv4) == nil
		st, err := n.client.Status(context.Background())
		return pinged && err == nil && st.LastHandshake != nil && st.LastHandshake.After(restart)
	})
	checkSplit(t, n, "after a new handshake")
}

// checkSplit checks the split tunnel: the tunnel's own addresses and the
// endpoint's networks answer through it, internet is reached directly.
func checkSplit(t *testing.T, n *node, when string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range []netip.Addr{testbed.TunnelServerIPv4, testbed.TunnelServerIPv6} {
		if err := n.bed.ProbePing(ctx, a); err != nil {
			t.Errorf("%s: ping %s through the tunnel: %v", when, a, err)
		}
	}
	if got := n.dig(t, "@"+testbed.TunnelServerIPv4.String(), testbed.TunnelName, "A"); got != testbed.TunnelNameIPv4.String() {
		t.Errorf("%s: tunnel DNS: %q", when, got)
	}
	if seen, err := n.probeSeen(t, testbed.InternetIPv4); err != nil || seen != testbed.ClientIPv4.String() {
		t.Errorf("%s: internet, outside the split, seen from %q (%v), want the client's own %s", when, seen, err, testbed.ClientIPv4)
	}
}

// routeDev returns the device `ip route get` picks for dst, with mark if
// given.
func routeDev(t *testing.T, n *node, dst netip.Addr, mark string) string {
	t.Helper()
	args := []string{"ip", "route", "get", dst.String()}
	if mark != "" {
		args = append(args, "mark", mark)
	}
	out, err := n.bed.Exec(testbed.RoleClient, args...)
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f := strings.Fields(string(out))
	for i, w := range f {
		if w == "dev" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// The dual-stack halves (0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1) are a full
// tunnel for both families: both reach internet through it, nothing is
// blocked, nothing leaks.
func TestDualStackHalves(t *testing.T) {
	n := start(t, testbed.Options{})
	n.importProfile(t, "halves", testbed.ProfileOptions{AllowedIPs: []string{"0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"}})
	st := n.connect(t, "halves")
	if !st.TunnelIPv6 || st.IPv6Blocked || st.Routing != "full tunnel, IPv4 and IPv6" {
		t.Errorf("status: tunnel IPv6 %v, IPv6 blocked %v, routing %q", st.TunnelIPv6, st.IPv6Blocked, st.Routing)
	}
	if err := n.bed.ResetLeakCounts(); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[netip.Addr]netip.Addr{testbed.InternetIPv4: testbed.ServerIPv4, testbed.InternetIPv6: testbed.ServerIPv6} {
		if seen, err := n.probeSeen(t, addr); err != nil || seen != want.String() {
			t.Errorf("%s seen from %q (%v), want the server's %s", addr, seen, err, want)
		}
	}
	if got := n.dig(t, "@127.80.73.65", testbed.TunnelName, "AAAA"); got != testbed.TunnelNameIPv6.String() {
		t.Errorf("AAAA through the resolver: %q", got)
	}
	if c := n.leaks(t); total(c, "") != 0 {
		t.Errorf("packets left outside the tunnel: %v", c)
	}
}
