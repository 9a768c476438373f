package testbed

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestRenderProfile(t *testing.T) {
	k := keys{clientPrivate: "CPRIV", serverPublic: "SPUB"}
	tests := []struct {
		opts ProfileOptions
		want []string
		not  []string
	}{
		{ProfileOptions{}, []string{
			"PrivateKey = CPRIV", "Address = 10.64.0.2/32, fd64::2/128", "DNS = 10.64.0.1, fd64::1",
			"PublicKey = SPUB", "AllowedIPs = 0.0.0.0/0, ::/0", "Endpoint = 198.51.100.2:51820",
			"PersistentKeepalive = 25"}, nil},
		{ProfileOptions{IPv4Only: true}, []string{"Address = 10.64.0.2/32\n", "DNS = 10.64.0.1\n",
			"AllowedIPs = 0.0.0.0/0\n"}, []string{"fd64", "::/0"}},
		{ProfileOptions{IPv6Only: true}, []string{"Address = fd64::2/128\n", "DNS = fd64::1\n",
			"AllowedIPs = ::/0\n"}, []string{"10.64", "0.0.0.0/0"}},
		{ProfileOptions{EndpointIPv6: true}, []string{"Endpoint = [2001:db8:100::2]:51820"}, []string{"198.51.100.2"}},
		{ProfileOptions{IPv4Only: true, AllowedIPs: []string{"0.0.0.0/1", "128.0.0.0/1"}},
			[]string{"AllowedIPs = 0.0.0.0/1, 128.0.0.0/1\n"}, []string{"0.0.0.0/0"}},
	}
	for _, tt := range tests {
		got := renderProfile(k, tt.opts)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: profile lacks %q:\n%s", tt.opts, w, got)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("%+v: profile has %q:\n%s", tt.opts, n, got)
			}
		}
	}
}

func TestServerConf(t *testing.T) {
	k := keys{serverPrivate: "SPRIV", clientPublic: "CPUB"}
	if got := serverConf(k, false); !strings.Contains(got, "AllowedIPs = 10.64.0.2/32, fd64::2/128\n") ||
		!strings.Contains(got, "ListenPort = 51820") || !strings.Contains(got, "PublicKey = CPUB") {
		t.Errorf("dual-stack server conf:\n%s", got)
	}
	if got := serverConf(k, true); !strings.Contains(got, "AllowedIPs = 10.64.0.2/32\n") {
		t.Errorf("IPv4-only server conf:\n%s", got)
	}
}

func TestParseCounters(t *testing.T) {
	out := `{"nftables": [{"metainfo": {"version": "1.0.6"}},
		{"counter": {"family": "inet", "name": "ipv4_tcp", "table": "palleak", "handle": 2, "packets": 7, "bytes": 400}},
		{"counter": {"family": "inet", "name": "ipv6_icmp", "table": "palleak", "handle": 3, "packets": 0, "bytes": 0}}]}`
	got, err := parseCounters([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["ipv4/tcp"] != 7 || got["ipv6/icmp"] != 0 {
		t.Errorf("counts = %v", got)
	}
	if _, err := parseCounters([]byte(`{"nftables": []}`)); err == nil {
		t.Error("no counters: want error")
	}
}

func TestNormalize(t *testing.T) {
	routes := "2001:db8::/64 via fe80::1 dev eth0 proto ra metric 1024 expires 1790sec pref medium\n" +
		"default via 10.0.0.1 dev eth0 \ncache 1.2.3.4 dev eth0\n"
	if got, want := normalizeRoutes(routes), "2001:db8::/64 via fe80::1 dev eth0 proto ra metric 1024 pref medium\ndefault via 10.0.0.1 dev eth0\n"; got != want {
		t.Errorf("routes = %q, want %q", got, want)
	}
	links := "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n" +
		"7: wgc1: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc fq_codel state UNKNOWN mode DEFAULT group default qlen 500\\    link/none \n"
	if got, want := normalizeLinks(links), "lo <LOOPBACK,UP,LOWER_UP> state UNKNOWN\nwgc1 <POINTOPOINT,NOARP,UP,LOWER_UP> state UNKNOWN"; got != want {
		t.Errorf("links = %q, want %q", got, want)
	}
	rules := "table inet t {\n\tcounter c {\n\t\tpackets 3 bytes 120\n\t}\n\tchain x {\n\t\tip saddr 1.2.3.4 counter packets 5 bytes 300 drop\n\t}\n}"
	if got, want := normalizeRuleset(rules), "table inet t {\n\tcounter c {\n\t}\n\tchain x {\n\t\tip saddr 1.2.3.4 counter drop\n\t}\n}"; got != want {
		t.Errorf("ruleset = %q, want %q", got, want)
	}
}

func TestParseIperf(t *testing.T) {
	got, err := parseIperf([]byte(`{"end": {"sum_received": {"bits_per_second": 2.5e9}}}`))
	if err != nil || got != 2500 {
		t.Errorf("parseIperf = %v, %v; want 2500", got, err)
	}
	if _, err := parseIperf([]byte(`{"error": "unable to connect to server: Connection refused"}`)); err == nil ||
		!strings.Contains(err.Error(), "unable to connect") {
		t.Errorf("error report: err = %v", err)
	}
}

func TestAnswer(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.7")
	ask := func(name string, qtype uint16, tunnel bool) *dns.Msg {
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		return answer(q, src, tunnel)
	}
	if m := ask(ExampleName, dns.TypeA, false); len(m.Answer) != 1 || m.Answer[0].(*dns.A).A.String() != ExampleIPv4.String() {
		t.Errorf("example A: %v", m)
	}
	if m := ask("EXAMPLE.test.", dns.TypeAAAA, false); len(m.Answer) != 1 || m.Answer[0].(*dns.AAAA).AAAA.String() != ExampleIPv6.String() {
		t.Errorf("example AAAA (case-insensitive): %v", m)
	}
	if m := ask(V4OnlyName, dns.TypeAAAA, false); m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 {
		t.Errorf("v4only AAAA: want NODATA, got %v", m)
	}
	if m := ask(TunnelName, dns.TypeA, false); m.Rcode != dns.RcodeNameError {
		t.Errorf("tunnel name on public server: want NXDOMAIN, got %v", m)
	}
	if m := ask(TunnelName, dns.TypeA, true); len(m.Answer) != 1 {
		t.Errorf("tunnel name on tunnel server: %v", m)
	}
	if m := ask(WhoamiName, dns.TypeTXT, true); len(m.Answer) != 1 || m.Answer[0].(*dns.TXT).Txt[0] != "192.0.2.7" {
		t.Errorf("whoami: %v", m)
	}
	big := ask(BigName, dns.TypeA, false)
	if len(big.Answer) != BigRecords {
		t.Fatalf("big: %d answers", len(big.Answer))
	}
	big.Truncate(dns.MinMsgSize)
	if !big.Truncated {
		t.Error("big answer fits in 512 bytes; it must force TCP")
	}
}

// The DNS64 variant synthesizes AAAA records for A-only names (and
// ipv4only.arpa) and leaves names with a real AAAA alone.
func TestSynthesize(t *testing.T) {
	for name, want := range map[string]netip.Addr{
		Server4Name:   Synthesized(ServerIPv4),
		DiscoveryName: Synthesized(netip.MustParseAddr("192.0.0.170")),
		ExampleName:   ExampleIPv6,
	} {
		req := new(dns.Msg).SetQuestion(name, dns.TypeAAAA)
		m := answer(req, netip.Addr{}, true)
		synthesize(req, m, netip.Addr{}, true)
		if len(m.Answer) == 0 || m.Answer[0].(*dns.AAAA).AAAA.String() != want.String() {
			t.Errorf("%s AAAA: %v, want %s first", name, m.Answer, want)
		}
	}
	if got := Synthesized(netip.MustParseAddr("198.51.100.2")); got != netip.MustParseAddr("2001:db8:64::c633:6402") {
		t.Errorf("Synthesized = %s", got)
	}
}
