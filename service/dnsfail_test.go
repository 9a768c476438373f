package service

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// fakeDNS is a DNSControl whose Up fails with setErr, as when the system
// DNS cannot be changed; it counts what is up.
type fakeDNS struct {
	mu     sync.Mutex
	setErr error
	up     bool // the resolver and its loopback addresses
	downs  int
}

func (d *fakeDNS) Up(iface string, upstreams []netip.AddrPort, hide dnsproxy.Hide, domains []string) (DNSInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Like localDNS: the resolver starts before the system DNS is set.
	d.up = true
	if d.setErr != nil {
		return DNSInfo{}, d.setErr
	}
	return DNSInfo{Resolvers: []netip.Addr{netip.MustParseAddr("127.80.73.65")}, Manager: "fake"}, nil
}

func (d *fakeDNS) Down() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.up = false
	d.downs++
	return nil
}

func (d *fakeDNS) state() (up bool, downs int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.up, d.downs
}

// When the system DNS cannot be set, the tunnel still connects, the status
// says why in dns.warning, and what Up set up is undone at once; the
// warning ends with the session.
func TestSystemDNSNotSetWarns(t *testing.T) {
	env, _ := testEnv(t, true)
	dns := &fakeDNS{setErr: errors.New("sysdns: write /etc/resolv.conf: read-only file system")}
	env.DNS = dns
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	st := waitState(t, m, ipc.Connected)
	if want := "system DNS not set: sysdns: write /etc/resolv.conf: read-only file system"; st.DNS.Warning != want {
		t.Errorf("dns warning %q, want %q", st.DNS.Warning, want)
	}
	if len(st.DNS.Resolvers) != 0 || len(st.DNS.Upstreams) != 0 {
		t.Errorf("status claims a working resolver: %+v", st.DNS)
	}
	if up, downs := dns.state(); up || downs != 1 {
		t.Errorf("after the failed set-up: up %v, %d downs; want it undone once", up, downs)
	}
	m.Disconnect()
	if st := m.Status(); st.DNS.Warning != "" {
		t.Errorf("warning outlives the session: %q", st.DNS.Warning)
	}
	dns.mu.Lock()
	dns.setErr = nil
	dns.mu.Unlock()
	m.Connect("home")
	if st := waitState(t, m, ipc.Connected); st.DNS.Warning != "" || len(st.DNS.Resolvers) != 1 {
		t.Errorf("a later connect that set DNS: %+v", st.DNS)
	}
}

// The firewall keeps rejecting other DNS and lets nothing reach the
// upstreams of a resolver that is not running.
func TestSystemDNSNotSetFirewall(t *testing.T) {
	env, _ := testEnv(t, true)
	fw := &recordingFirewall{}
	env.Firewall = fw
	env.DNS = &fakeDNS{setErr: errors.New("resolvectl: exit status 1")}
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	p := fw.policy()
	if !p.Engaged {
		t.Fatalf("kill switch auto not engaged when connected: %s", p.Why)
	}
	rejects := 0
	for _, r := range p.Output {
		if r.DstPort == 53 && r.Action == firewall.Accept && r.Mark == 0xca6d {
			t.Errorf("upstream accept for a resolver that is not running: %+v", r)
		}
		if r.DstPort == 53 && r.Action == firewall.Reject {
			rejects++
		}
	}
	if rejects != 2 {
		t.Errorf("%d port-53 rejects, want udp and tcp:\n%s", rejects, p)
	}
}

// The tunnel's routes reach the firewall: the profile's DNS server
// 10.64.0.1, inside 0.0.0.0/0, is asked through the tunnel only, although
// it is private and the LAN is allowed (the default).
func TestTunnelUpstreamThroughTunnel(t *testing.T) {
	env, _ := testEnv(t, true)
	fw := &recordingFirewall{}
	env.Firewall = fw
	env.DNS = &fakeDNS{}
	m := newTestManager(t, env)
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	n := 0
	for _, r := range fw.policy().Output {
		if slices.Contains(r.Dst, netip.MustParsePrefix("10.64.0.1/32")) && r.DstPort == 53 && r.Action == firewall.Accept {
			n++
			if r.Iface != "tun-test" || r.NotIface {
				t.Errorf("upstream 10.64.0.1 allowed on %q (not %v), want the tunnel only: %+v", r.Iface, r.NotIface, r)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d accepts for the upstream, want udp and tcp:\n%s", n, fw.policy())
	}
	if !strings.Contains(m.Status().Routing, "full") {
		t.Errorf("routing %q: the profile is a full tunnel", m.Status().Routing)
	}
}

// Routing pins the tunnel upstreams into the tunnel and leaves a LAN
// upstream (on an on-link prefix beside the full tunnel) to the LAN: the
// firewall's decision, both families.
func TestTunnelUpstreamsPinned(t *testing.T) {
	env, r := testEnv(t, true)
	env.DNS = &fakeDNS{}
	env.OnLink = func() []netip.Prefix {
		return []netip.Prefix{netip.MustParsePrefix("192.168.77.0/24"), netip.MustParsePrefix("fd00:77::/64")}
	}
	m := newTestManager(t, env)
	s := m.Settings()
	s.DNS = settings.DNS{Mode: settings.DNSCustom, Custom: []string{"10.64.0.1", "fd64::1", "192.168.77.53", "fd00:77::53"}}
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	m.Import("home", testProfile)
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	cfg := r.lastUp()
	want := []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd64::1")}
	if !slices.Equal(cfg.Pinned, want) {
		t.Errorf("pinned %v, want %v", cfg.Pinned, want)
	}
}

// The profile's own servers are pinned into the tunnel even where the LAN
// is numbered around them (a hostile network leasing an address in
// 10.64.0.0/24 and announcing fd64::/64): only a resolver the user typed
// in may be a LAN upstream there. Both families.
func TestProfileResolverPinnedOnLAN(t *testing.T) {
	env, r := testEnv(t, true)
	env.DNS = &fakeDNS{}
	env.OnLink = func() []netip.Prefix {
		return []netip.Prefix{netip.MustParsePrefix("10.64.0.0/24"), netip.MustParsePrefix("fd64::/64")}
	}
	m := newTestManager(t, env)
	m.Import("home", strings.Replace(testProfile, "DNS = 10.64.0.1", "DNS = 10.64.0.1, fd64::1", 1))
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	cfg := r.lastUp()
	want := []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd64::1")}
	if !slices.Equal(cfg.Pinned, want) {
		t.Errorf("pinned %v, want the profile's servers %v", cfg.Pinned, want)
	}
}
