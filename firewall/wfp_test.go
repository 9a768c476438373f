package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func covers(ps []netip.Prefix, a netip.Addr) bool {
	return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(a) })
}

func TestWFPFiltersEngaged(t *testing.T) {
	p := Compute(testInput(StateConnected, ModeAuto, true, true, false, true))
	fs := wfpFilters(p)
	if len(fs) == 0 {
		t.Fatal("no filters")
	}
	for i := 1; i < len(fs); i++ {
		if fs[i].Weight >= fs[i-1].Weight {
			t.Fatalf("weights not strictly descending at %d: %d then %d", i, fs[i-1].Weight, fs[i].Weight)
		}
	}
	endpoint := slices.IndexFunc(fs, func(f Filter) bool { return f.AppID && f.RemotePort == 51820 && f.Layer == layerConnectV6 })
	final := slices.IndexFunc(fs, func(f Filter) bool {
		return !f.Permit && f.Layer == layerConnectV6 && len(f.RemoteAddrs) == 0 && f.RemotePort == 0 && f.Proto == 0
	})
	if endpoint < 0 || final < 0 || endpoint > final {
		t.Fatalf("endpoint permit %d must precede the IPv6 catch-all block %d", endpoint, final)
	}
	if f := fs[endpoint]; !f.Permit || !covers(f.RemoteAddrs, ep6.Addr()) || f.Proto != 17 {
		t.Errorf("endpoint filter %+v", f)
	}
	v6block := slices.IndexFunc(fs, func(f Filter) bool { return !f.Permit && f.Layer == layerConnectV6 && len(f.RemoteAddrs) > 8 })
	if v6block < 0 {
		t.Fatal("no IPv6 block for a tunnel without IPv6")
	}
	blocked := fs[v6block].RemoteAddrs
	for _, a := range []string{"2001:db8:ff::1", "2620:fe::fe", "::2"} {
		if !covers(blocked, netip.MustParseAddr(a)) {
			t.Errorf("IPv6 block misses %s", a)
		}
	}
	for _, a := range []string{"::1", "fe80::1", "ff02::1", "2001:db8:5:6::9", "fd00::1"} {
		if covers(blocked, netip.MustParseAddr(a)) {
			t.Errorf("IPv6 block covers %s", a)
		}
	}
	cve := slices.IndexFunc(fs, func(f Filter) bool { return f.NotIface && f.Layer == layerAcceptV4 })
	if cve < 0 || fs[cve].Permit || !covers(fs[cve].LocalAddrs, netip.MustParseAddr("10.64.1.2")) {
		t.Errorf("CVE-2019-14899 block missing or wrong: %d", cve)
	}
	ra := slices.IndexFunc(fs, func(f Filter) bool {
		return f.Layer == layerAcceptV6 && f.Proto == 58 && f.LocalPort == icmp6RouterAdvert
	})
	if ra < 0 || !fs[ra].Permit {
		t.Errorf("router advertisements not permitted inbound")
	}
	for _, f := range fs {
		if strings.HasPrefix(f.Name, "forward") || f.BootTime {
			t.Errorf("unexpected filter %+v", f)
		}
	}
}

func TestWFPBootTimeOnlyWhenPersistent(t *testing.T) {
	always := wfpFilters(Compute(testInput(StateDisconnected, ModeAlways, false, true, true, true)))
	boot := 0
	for _, f := range always {
		if f.BootTime {
			boot++
			if f.AppID || f.Iface != "" {
				t.Errorf("boot-time filter depends on the app or an interface: %+v", f)
			}
		}
	}
	if boot == 0 {
		t.Error("mode always has no boot-time filters")
	}
	auto := wfpFilters(Compute(testInput(StateConnected, ModeAuto, true, true, true, true)))
	if slices.ContainsFunc(auto, func(f Filter) bool { return f.BootTime }) {
		t.Error("mode auto has boot-time filters")
	}
}

func TestWFPEmptyPolicy(t *testing.T) {
	if fs := wfpFilters(Compute(Input{State: StateDisconnected, Mode: ModeOff})); len(fs) != 0 {
		t.Errorf("idle policy without tunnel gives %d filters", len(fs))
	}
}

func TestWFPCleanupTakesOnlyOurFilters(t *testing.T) {
	type key [2]byte
	ours, sub, foreign := key{1, 1}, key{1, 2}, key{9, 9}
	heads := []wfpFilterHead[key]{
		{Key: key{0, 1}, Provider: &ours, Sublayer: sub},
		{Key: key{0, 2}, Provider: &foreign, Sublayer: foreign},
		{Key: key{0, 3}, Provider: nil, Sublayer: key{7, 7}}, // a foreign filter without provider
		{Key: key{0, 4}, Provider: nil, Sublayer: sub},       // ours, provider not recorded
		{Key: key{0, 5}, Provider: &ours, Sublayer: foreign},
	}
	got := wfpOwnedFilters(heads, ours, sub)
	want := []key{{0, 1}, {0, 4}, {0, 5}}
	if !slices.Equal(got, want) {
		t.Fatalf("owned filters %v, want %v", got, want)
	}
}

// TestWFPCleanupCoversEveryLayerWeUse makes sure cleanup enumerates every
// layer a policy can render filters into, boot-time ones included.
func TestWFPCleanupCoversEveryLayerWeUse(t *testing.T) {
	layers := wfpCleanupLayers()
	for _, in := range []Input{
		testInput(StateConnected, ModeAuto, true, true, false, true),
		testInput(StateDisconnected, ModeAlways, false, true, true, true),
	} {
		for _, f := range wfpFilters(Compute(in)) {
			if !slices.Contains(layers, f.Layer) {
				t.Errorf("filter %q in layer %v that cleanup does not enumerate", f.Name, f.Layer)
			}
		}
	}
}

// wfpText renders filters one per line for the golden files.
func wfpText(fs []Filter) string {
	var sb strings.Builder
	for _, f := range fs {
		w := []string{fmt.Sprintf("%3d", f.Weight), f.Layer.String(), "block"}
		if f.Permit {
			w[2] = "permit"
		}
		if f.BootTime {
			w = append(w, "boot-time")
		}
		if f.AppID {
			w = append(w, "app=palisaded")
		}
		if f.Loopback {
			w = append(w, "loopback")
		}
		if f.Iface != "" {
			op := "if="
			if f.NotIface {
				op = "if!="
			}
			w = append(w, op+f.Iface)
		}
		if f.Proto != 0 {
			w = append(w, fmt.Sprintf("proto=%d", f.Proto))
		}
		if len(f.RemoteAddrs) > 0 {
			w = append(w, "remote="+prefixList(f.RemoteAddrs))
		}
		if f.RemotePort != 0 {
			w = append(w, fmt.Sprintf("rport=%d", f.RemotePort))
		}
		if len(f.LocalAddrs) > 0 {
			w = append(w, "local="+prefixList(f.LocalAddrs))
		}
		if f.LocalPort != 0 {
			w = append(w, fmt.Sprintf("lport=%d", f.LocalPort))
		}
		fmt.Fprintf(&sb, "%s # %s\n", strings.Join(w, " "), f.Name)
	}
	return sb.String()
}

func TestWFPGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, "wfp_"+c.name+".golden", wfpText(wfpFilters(Compute(c.in))))
		})
	}
}

// The service's own lookups of endpoint names are permitted by its
// application ID only, to port 53 of the system's servers, off the tunnel,
// above every block, and never at boot time (no app is known then).
func TestWFPBootstrap(t *testing.T) {
	fs := wfpFilters(Compute(testInput(StateReconnecting, ModeAlways, true, false, true, true)))
	firstBlock := slices.IndexFunc(fs, func(f Filter) bool { return !f.Permit })
	for _, a := range bootstrap {
		for _, proto := range []uint8{6, 17} {
			i := slices.IndexFunc(fs, func(f Filter) bool {
				return f.RemotePort == 53 && f.Proto == proto && covers(f.RemoteAddrs, a.WithZone(""))
			})
			if i < 0 {
				t.Errorf("no filter for %v proto %d", a, proto)
				continue
			}
			f := fs[i]
			// A link-local server is permitted on its own link only.
			iface, not := "palisade0", true
			if a.IsLinkLocalUnicast() {
				iface, not = a.Zone(), false
			}
			if !f.Permit || !f.AppID || f.Iface != iface || f.NotIface != not || f.BootTime || i > firstBlock {
				t.Errorf("bootstrap filter %d (first block %d): %+v", i, firstBlock, f)
			}
		}
	}
}

func TestWFPServiceUserCondition(t *testing.T) {
	const svc = "S-1-5-80-1234-5678"
	got := wfpServiceUserSDDL(svc, "S-1-5-18", "", svc)
	if got != "O:SYD:(A;;CCRC;;;SY)(A;;CCRC;;;"+svc+")" {
		t.Errorf("SDDL %q", got)
	}
	if got := wfpServiceUserSDDL(); got != "O:SYD:(A;;CCRC;;;SY)" {
		t.Errorf("SYSTEM only: %q", got)
	}
	// Every service permit carries the condition: a filter marked AppID
	// is rendered with both the app ID and the user (see conditions).
	p := Compute(testInput(StateConnected, ModeAuto, true, true, true, true))
	if !slices.ContainsFunc(wfpFilters(p), func(f Filter) bool { return f.AppID && f.Permit }) {
		t.Error("no service permit rendered")
	}
}

// A Windows zone is an interface index: a link-local name server's rule
// names its adapter by that number, which is no adapter name.
func TestInterfaceIndex(t *testing.T) {
	byName := func(name string) (int, error) {
		if name == "Wi-Fi" {
			return 9, nil
		}
		return 0, fmt.Errorf("no interface %q", name)
	}
	for _, c := range []struct {
		name string
		want int
		ok   bool
	}{{"12", 12, true}, {"Wi-Fi", 9, true}, {"palisade0", 0, false}, {"0", 0, false}, {"-3", 0, false}} {
		got, err := interfaceIndex(c.name, byName)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("interfaceIndex(%q) = %d, %v; want %d, ok %v", c.name, got, err, c.want, c.ok)
		}
	}
}

// A zone given as an index (systemd-resolved writes fe80::1%2) names its
// interface for nftables; names and unknown indexes stay as they are.
func TestInterfaceName(t *testing.T) {
	byIndex := func(i int) (string, error) {
		if i == 2 {
			return "eth0", nil
		}
		return "", fmt.Errorf("no interface %d", i)
	}
	for zone, want := range map[string]string{"2": "eth0", "eth0": "eth0", "7": "7", "0": "0", "wlan0": "wlan0"} {
		if got := interfaceName(zone, byIndex); got != want {
			t.Errorf("interfaceName(%q) = %q, want %q", zone, got, want)
		}
	}
}

// wfpEnumReturns models FWPM_FILTER_ENUM_TEMPLATE0's flags as documented:
// boot-time filters only with FWP_FILTER_ENUM_FLAG_INCLUDE_BOOTTIME (0x8)
// or FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY (0x4, then nothing else).
func wfpEnumReturns(flags uint32, f Filter) bool {
	if flags&0x4 != 0 {
		return f.BootTime
	}
	return !f.BootTime || flags&0x8 != 0
}

// Cleanup, Apply's removal and the self-check's count enumerate our
// filters with wfpCleanupEnumFlags: every filter a policy renders must be
// among those returned, the boot-time copies of mode always (or of a stop
// for a restart) included, and those BFE disabled at its start too.
func TestWFPCleanupEnumeratesBootTimeFilters(t *testing.T) {
	in := testInput(StateDisconnected, ModeAlways, false, true, true, true)
	fs := wfpFilters(Compute(in))
	for _, f := range fs {
		if !wfpEnumReturns(wfpCleanupEnumFlags, f) {
			t.Fatalf("cleanup's enumeration (flags %#x) leaves out %q (boot-time %v)", wfpCleanupEnumFlags, f.Name, f.BootTime)
		}
	}
	if wfpCleanupEnumFlags&0x10 == 0 {
		t.Error("cleanup's enumeration leaves out filters BFE disabled")
	}
}
