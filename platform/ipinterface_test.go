package platform

import (
	"net/netip"
	"testing"
)

func TestIPv6DetectionFromInterfaceTable(t *testing.T) {
	const tun, eth, lo = 0x5000001, 0x6000002, 0x1800000
	cases := []struct {
		name         string
		table        []IPInterface
		host, tunnel bool
	}{
		{"dual stack", []IPInterface{{lo, false, true}, {lo, true, true}, {eth, false, false}, {eth, true, false}, {tun, false, false}, {tun, true, false}}, true, true},
		// DisabledComponents 0xFF: only loopback keeps IPv6.
		{"IPv6 disabled", []IPInterface{{lo, false, true}, {lo, true, true}, {eth, false, false}, {tun, false, false}}, false, false},
		// IPv6 off on the tunnel adapter only.
		{"tunnel without IPv6", []IPInterface{{eth, true, false}, {eth, false, false}, {tun, false, false}}, true, false},
		{"empty table", nil, false, false},
	}
	for _, c := range cases {
		if got := HostIPv6From(c.table); got != c.host {
			t.Errorf("%s: HostIPv6From = %v", c.name, got)
		}
		if got := TunnelIPv6From(c.table, tun); got != c.tunnel {
			t.Errorf("%s: TunnelIPv6From = %v", c.name, got)
		}
	}
}

// TestPlanWithoutTunnelIPv6 is the plan when the table shows no IPv6 on
// the adapter of a dual-stack host: no IPv6 address or route into the
// tunnel (no ::/1 to fail on), and IPv6 blocked beside the full IPv4 tunnel.
func TestPlanWithoutTunnelIPv6(t *testing.T) {
	cfg := TunnelConfig{
		Addresses:  []netip.Prefix{netip.MustParsePrefix("10.64.0.2/32"), netip.MustParsePrefix("fd00::2/128")},
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
		HostIPv6:   true,
	}
	if !TunnelIPv6From([]IPInterface{{LUID: 7}, {LUID: 8, IPv6: true}}, 7) {
		cfg = cfg.WithoutTunnelIPv6()
	}
	p := MakePlan(cfg)
	for _, r := range SplitPlan(p, nil, nil, nil) {
		if r.Dst.Addr().Is6() && !r.Reject {
			t.Errorf("IPv6 route %v into a tunnel without IPv6", r.Dst)
		}
	}
	for _, a := range p.Addresses {
		if a.Addr().Is6() {
			t.Errorf("IPv6 address %v planned", a)
		}
	}
	if !p.Full4 || p.Full6 || !p.Block6 {
		t.Errorf("plan %+v: want IPv4 through the tunnel and IPv6 blocked", p.Scope)
	}
}

func TestTunnelInterfaceSettings(t *testing.T) {
	full := MakePlan(TunnelConfig{
		Addresses:  []netip.Prefix{netip.MustParsePrefix("10.64.0.2/32"), netip.MustParsePrefix("fd00::2/128")},
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("10.0.0.0/8")},
		HostIPv6:   true,
	})
	got := TunnelInterfaceSettings(full, 0)
	if len(got) != 2 {
		t.Fatalf("settings for %d families, want 2: %+v", len(got), got)
	}
	for _, s := range got {
		if s.MTU != 1420 || s.DADTransmits != 0 || s.RouterDiscovery {
			t.Errorf("%+v: want MTU 1420, no DAD, no router discovery", s)
		}
		// IPv4 is taken whole (metric 0); IPv6 is not routed into the
		// tunnel, so its metric stays automatic.
		if s.AutomaticMetric != s.IPv6 || s.Metric != 0 {
			t.Errorf("%+v: metric", s)
		}
	}
	v4only := TunnelInterfaceSettings(MakePlan(TunnelConfig{
		Addresses:  []netip.Prefix{netip.MustParsePrefix("10.64.0.2/32")},
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	}), 1280)
	if len(v4only) != 1 || v4only[0].IPv6 || v4only[0].MTU != 1280 || !v4only[0].AutomaticMetric {
		t.Errorf("split IPv4 tunnel with MTU 1280: %+v", v4only)
	}
}
