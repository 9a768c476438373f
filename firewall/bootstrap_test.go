package firewall

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Between lookups the bootstrap permit stays as rules on empty named sets,
// so a lookup changes only the sets: in pf, only its tables; WFP leaves the
// empty ones out.
func TestBootstrapPermitOnEmptySets(t *testing.T) {
	for _, host6 := range []bool{true, false} {
		in := testInput(StateConnected, ModeAlways, true, false, true, host6)
		in.Bootstrap = nil
		closed := Compute(in)
		var sets []string
		for _, r := range closed.Output {
			if r.Set == "" {
				continue
			}
			sets = append(sets, r.Set)
			if len(r.Dst) != 0 || !r.matchesNothing() || !r.Service || r.Mark != 0xca6c || r.DstPort != 53 {
				t.Errorf("host6 %v: closed bootstrap rule %+v", host6, r)
			}
		}
		want := []string{"bootstrap4", "bootstrap4"}
		if host6 {
			want = append(want, "bootstrap6", "bootstrap6")
		}
		if !slices.Equal(sets, want) {
			t.Errorf("host6 %v: set rules %v, want %v", host6, sets, want)
		}
		if s := closed.String(); !strings.Contains(s, "set bootstrap4: empty\n") {
			t.Errorf("host6 %v: String() lacks the empty set:\n%s", host6, s)
		}
		const reason = "endpoint name lookups"
		// pf keeps the rules on empty tables, which a lookup refills.
		pf := RenderPF(closed, "a")
		for _, want := range []string{"table <bootstrap4> persist\n", "inet proto udp from any to <bootstrap4> port 53 user root\n"} {
			if !strings.Contains(pf, want) {
				t.Errorf("host6 %v: pf lacks %q:\n%s", host6, want, pf)
			}
		}
		if host6 {
			golden(t, "pf_bootstrap_closed.golden", pf)
		}
		openIn := in
		openIn.Bootstrap = globalBootstrap
		was, now := strings.Split(pf, "\n"), strings.Split(RenderPF(Compute(openIn), "a"), "\n")
		if len(was) != len(now) {
			t.Errorf("host6 %v: opening the permit changes pf's rules:\n%s", host6, strings.Join(now, "\n"))
		}
		for i := range min(len(was), len(now)) {
			if was[i] != now[i] && !strings.HasPrefix(was[i], "table <bootstrap") {
				t.Errorf("host6 %v: opening the permit changes %q to %q, not only a table", host6, was[i], now[i])
			}
		}
		for _, f := range wfpFilters(closed) {
			if strings.Contains(f.Name, reason) {
				t.Errorf("WFP renders the empty bootstrap permit: %+v", f)
			}
		}
		in.Bootstrap = globalBootstrap
		open := Compute(in)
		if !reflect.DeepEqual(setShape(open), setShape(closed)) {
			t.Errorf("host6 %v: opening the permit changes more than the sets:\n%s\n%s", host6, closed, open)
		}
	}
	in := testInput(StateConnected, ModeAlways, true, false, true, true)
	in.FwMark = 0
	if i := index(Compute(in).Output, isBootstrap); i >= 0 {
		t.Errorf("bootstrap rule without the service's mark to match")
	}
}

// A link-local system name server (fe80::1%en0, a home router) is permitted
// on the link its zone names, in every backend, never as a bare address
// in the bootstrap set, which would permit it on every link; one scoped
// to the tunnel is not permitted at all.
func TestBootstrapScopedServerOnItsLink(t *testing.T) {
	in := testInput(StateConnected, ModeAlways, true, false, true, true)
	in.Tunnel.Interface = "utun4"
	in.Bootstrap = []netip.Addr{netip.MustParseAddr("192.168.50.1"), netip.MustParseAddr("fe80::1%en0"), netip.MustParseAddr("fe80::9%utun4")}
	p := Compute(in)
	var scoped []Rule
	for _, r := range p.Output {
		if !isBootstrap(r) {
			continue
		}
		if r.Set != "" && (slices.Contains(r.Dst, netip.MustParsePrefix("fe80::1/128")) || slices.Contains(r.Dst, netip.MustParsePrefix("fe80::9/128"))) {
			t.Errorf("link-local server in the set %s: %+v", r.Set, r)
		}
		if r.Set == "" {
			scoped = append(scoped, r)
		}
	}
	if len(scoped) != 2 {
		t.Fatalf("want a udp and a tcp rule for fe80::1 on en0, got %+v", scoped)
	}
	for _, r := range scoped {
		if r.Iface != "en0" || r.NotIface || !slices.Equal(r.Dst, []netip.Prefix{netip.MustParsePrefix("fe80::1/128")}) || !r.Service || r.DstPort != 53 {
			t.Errorf("scoped bootstrap rule %+v", r)
		}
	}
	pf := RenderPF(p, "a")
	for _, want := range []string{
		"pass out quick on en0 inet6 proto udp from any to fe80::1 port 53 user root\n",
		"pass out quick on en0 inet6 proto tcp from any to fe80::1 port 53 user root flags any\n",
		"table <bootstrap6> persist\n",
	} {
		if !strings.Contains(pf, want) {
			t.Errorf("pf lacks %q:\n%s", want, pf)
		}
	}
	if strings.Contains(pf, "fe80::9") {
		t.Errorf("pf permits a server scoped to the tunnel:\n%s", pf)
	}
	n := 0
	for _, f := range wfpFilters(p) {
		if f.Iface == "en0" && !f.NotIface && f.RemotePort == 53 && f.AppID && f.Permit {
			n++
		}
	}
	if n != 2 {
		t.Errorf("WFP: %d filters for fe80::1 on en0, want 2", n)
	}
}
