package sysdns

import (
	"net/netip"
	"strings"
	"testing"
)

var testServers = []netip.Addr{netip.MustParseAddr("127.80.73.65"), netip.MustParseAddr("fe80::80:73:65")}

func TestRenderResolvConf(t *testing.T) {
	got := string(renderResolvConf(Config{Interface: "wg0", Servers: testServers, Domains: []string{"corp.example", "example.org"}}, "lo"))
	for _, want := range []string{
		"nameserver 127.80.73.65\n",
		"nameserver fe80::80:73:65%lo\n",
		"search corp.example example.org\n",
		"options edns0 trust-ad\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Index(got, "127.80.73.65") > strings.Index(got, "fe80::") {
		t.Error("server order not kept")
	}
	got = string(renderResolvConf(Config{Servers: []netip.Addr{netip.MustParseAddr("fe80::1%wg0"), netip.MustParseAddr("2001:db8::53")}}, "lo"))
	if !strings.Contains(got, "nameserver fe80::1%wg0\n") || !strings.Contains(got, "nameserver 2001:db8::53\n") || strings.Contains(got, "search") {
		t.Errorf("explicit zone or global server mangled:\n%s", got)
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []Config{
		{},
		{Servers: []netip.Addr{{}}},
		{Servers: []netip.Addr{netip.MustParseAddr("::")}},
		{Servers: testServers, Domains: []string{"two words"}},
		{Servers: testServers, Domains: []string{""}},
	} {
		if validate(bad) == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if err := validate(Config{Servers: testServers, Domains: []string{"example.org"}}); err != nil {
		t.Fatal(err)
	}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		p    probes
		want string
	}{
		{probes{resolvConfLink: "../run/systemd/resolve/stub-resolv.conf", resolvedOnBus: true}, "systemd-resolved"},
		{probes{resolvConfLink: "/run/systemd/resolve/resolv.conf", resolvedOnBus: true, resolvconfPath: "/sbin/resolvconf"}, "systemd-resolved"},
		{probes{resolvConfLink: "/run/systemd/resolve/stub-resolv.conf", resolvedOnBus: false}, "file"},
		{probes{resolvConfLink: "", resolvedOnBus: true}, "file"},
		{probes{resolvConfLink: "/run/resolvconf/resolv.conf", resolvconfPath: "/sbin/resolvconf"}, "resolvconf"},
		{probes{resolvconfPath: "/usr/sbin/resolvconf", resolvconfIsStub: true}, "file"},
		{probes{resolvConfLink: "/run/NetworkManager/resolv.conf"}, "file"},
		{probes{}, "file"},
	} {
		c := choose(tc.p)
		if c.kind != tc.want || c.reason == "" {
			t.Errorf("%+v: got %q (%s), want %q", tc.p, c.kind, c.reason, tc.want)
		}
	}
}
