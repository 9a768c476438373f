package profile

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustKey(t *testing.T, s string) Key {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatalf("ParseKey(%q): %v", s, err)
	}
	return k
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func loadFile(t *testing.T, name string) *Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(string(data))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

// TestGoodFiles checks what each realistic export parses into.
func TestGoodFiles(t *testing.T) {
	tests := []struct {
		file            string
		privateKey      string
		addresses       []netip.Prefix
		peers           int
		endpoint        string // of the first peer; "" = none
		v4, v6          bool   // HasIPv4, HasIPv6
		route4, route6  bool   // Scope().Full4, Scope().Full6
		scripts         bool
		warningsContain []string
		firstAllowedIPs []netip.Prefix
	}{
		{
			file: "mullvad.conf", privateKey: "2FRqfl04JtpYnbd3ntQc7BK/ojEOvEtKvh8cU9rAz2Q=",
			addresses: prefixes("10.66.124.37/32", "fc00:bbbb:bbbb:bb01::3:7c24/128"),
			peers:     1, endpoint: "185.213.154.68:51820",
			v4: true, v6: true, route4: true, route6: true,
			firstAllowedIPs: prefixes("0.0.0.0/0", "::/0"),
		},
		{
			file: "proton.conf", privateKey: "oJtQZHkuk18+P8QqNLjfG/jiKDQHWUbfVneatF5gtGs=",
			addresses: prefixes("10.2.0.2/32"), peers: 1, endpoint: "185.107.56.90:51820",
			v4: true, route4: true,
			warningsContain: []string{"IPv6 does not go through this tunnel"},
			firstAllowedIPs: prefixes("0.0.0.0/0"),
		},
		{
			file: "openwrt.conf", privateKey: "QG9zoJXlDB0wcxM+L3+mU5f/SPW+8nR7ND6LMsxInUA=",
			addresses: prefixes("192.168.9.1/24", "fd42:42:42::1/64"), peers: 3,
			v4: true, v6: true,
			firstAllowedIPs: prefixes("192.168.9.2/32", "fd42:42:42::2/128"),
		},
		{
			file: "ipv6-endpoint.conf", privateKey: "kPwdlX0H9bT9XEc3y2bVfeI+tNhN9YwwF+zRp4dub1A=",
			addresses: prefixes("10.8.0.2/24", "2001:db8:8::2/64"), peers: 1,
			endpoint: "[2001:db8:85a3::8a2e:370:7334]:51820",
			v4:       true, v6: true, route4: true, route6: true,
			firstAllowedIPs: prefixes("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"),
		},
		{
			file: "link-local.conf", privateKey: "wDBHBTBuBCYDNBhQDuP0Qf7M1sggd2KO3ede3vLdl1c=",
			addresses: prefixes("fd00:1::2/64", "10.0.0.5/24"), peers: 1,
			endpoint: "[fe80::1%eth0]:51820", v4: true, v6: true,
			firstAllowedIPs: prefixes("fd00:1::/64", "10.0.0.0/24"),
		},
		{
			file: "crlf-bom.conf", privateKey: "WA6B86lW56Jvl8GWncTDUmozB9uiuVFFbWmfZ6R+TV0=",
			addresses: prefixes("10.7.0.2/24", "fd07::2/64"), peers: 1,
			endpoint: "vpn.example.org:443", v4: true, v6: true, route4: true, route6: true,
			firstAllowedIPs: prefixes("0.0.0.0/0", "::/0"),
		},
		{
			file: "scripts.conf", privateKey: "KPjSorE8G9HyrJsoixFgonc18nkTx8O02DJagflIdW4=",
			addresses: prefixes("10.9.0.2/32", "fd09::2/128"), peers: 1,
			endpoint: "203.0.113.7:51820", v4: true, v6: true, route4: true, route6: true,
			scripts: true,
			warningsContain: []string{
				"PreUp scripts are kept but never run by Palisade",
				"PostUp scripts are kept but never run by Palisade",
				"PostDown scripts are kept but never run by Palisade",
				"Table = 1234 is kept but ignored",
			},
			firstAllowedIPs: prefixes("0.0.0.0/0", "::/0"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := loadFile(t, tt.file)
			if got := p.Interface.PrivateKey.String(); got != tt.privateKey {
				t.Errorf("PrivateKey = %s, want %s", got, tt.privateKey)
			}
			if !reflect.DeepEqual(p.Interface.Addresses, tt.addresses) {
				t.Errorf("Addresses = %v, want %v", p.Interface.Addresses, tt.addresses)
			}
			if len(p.Peers) != tt.peers {
				t.Fatalf("%d peers, want %d", len(p.Peers), tt.peers)
			}
			var ep string
			if e := p.Peers[0].Endpoint; e != nil {
				ep = e.String()
			}
			if ep != tt.endpoint {
				t.Errorf("endpoint = %q, want %q", ep, tt.endpoint)
			}
			if !reflect.DeepEqual(p.Peers[0].AllowedIPs, tt.firstAllowedIPs) {
				t.Errorf("AllowedIPs = %v, want %v", p.Peers[0].AllowedIPs, tt.firstAllowedIPs)
			}
			got := []bool{p.HasIPv4(), p.HasIPv6(), p.Scope().Full4, p.Scope().Full6, p.HasScripts()}
			want := []bool{tt.v4, tt.v6, tt.route4, tt.route6, tt.scripts}
			if !slices.Equal(got, want) {
				t.Errorf("HasIPv4, HasIPv6, Full4, Full6, HasScripts = %v, want %v", got, want)
			}
			warnings := strings.Join(p.Warnings(), "\n")
			for _, w := range tt.warningsContain {
				if !strings.Contains(warnings, w) {
					t.Errorf("Warnings() = %q, want one containing %q", p.Warnings(), w)
				}
			}
			if len(tt.warningsContain) == 0 && warnings != "" {
				t.Errorf("unexpected warnings %q", p.Warnings())
			}
		})
	}
}

// TestGoodFileDetails checks the values the table above does not.
func TestGoodFileDetails(t *testing.T) {
	w := loadFile(t, "openwrt.conf")
	if w.Interface.ListenPort != 51820 || w.Interface.MTU != 1420 {
		t.Errorf("ListenPort, MTU = %d, %d", w.Interface.ListenPort, w.Interface.MTU)
	}
	office := w.Peers[1]
	if office.PersistentKeepalive != 25 || office.PresharedKey != mustKey(t, "EfVbowTqbZZpNWBow9rRWyPIpZhOM+FlMr4PuKuNxCM=") {
		t.Errorf("office peer keepalive/psk wrong: %+v", office)
	}
	if want := prefixes("192.168.9.3/32", "fd42:42:42::3/128", "10.20.0.0/16"); !reflect.DeepEqual(office.AllowedIPs, want) {
		t.Errorf("repeated AllowedIPs = %v, want %v", office.AllowedIPs, want)
	}
	if !w.Peers[2].PresharedKey.IsZero() || w.Peers[2].Endpoint != nil {
		t.Errorf("laptop peer should have no PSK and no endpoint: %+v", w.Peers[2])
	}

	v6 := loadFile(t, "ipv6-endpoint.conf")
	if want := []netip.Addr{netip.MustParseAddr("10.8.0.1"), netip.MustParseAddr("fd00:8::1")}; !reflect.DeepEqual(v6.Interface.DNS, want) {
		t.Errorf("DNS = %v, want %v", v6.Interface.DNS, want)
	}
	if !slices.Equal(v6.Interface.DNSSearch, []string{"vpn.example.com"}) {
		t.Errorf("DNSSearch = %q", v6.Interface.DNSSearch)
	}
	if v6.Interface.FwMark != 0xca6c {
		t.Errorf("FwMark = %#x, want 0xca6c", v6.Interface.FwMark)
	}
	if a, ok := v6.Peers[0].Endpoint.Addr(); !ok || !a.Is6() {
		t.Errorf("IPv6 endpoint Addr() = %v, %v", a, ok)
	}

	ll := loadFile(t, "link-local.conf")
	if a, ok := ll.Peers[0].Endpoint.Addr(); !ok || a.Zone() != "eth0" || !a.IsLinkLocalUnicast() {
		t.Errorf("link-local endpoint Addr() = %v, %v; want fe80::1%%eth0", a, ok)
	}

	crlf := loadFile(t, "crlf-bom.conf")
	if a, ok := crlf.Peers[0].Endpoint.Addr(); ok || crlf.Peers[0].Endpoint.Port != 443 {
		t.Errorf("hostname endpoint Addr() = %v, %v, port %d", a, ok, crlf.Peers[0].Endpoint.Port)
	}

	s := loadFile(t, "scripts.conf")
	if len(s.Interface.PostUp) != 2 || !strings.HasPrefix(s.Interface.PostDown[0], "iptables -D") ||
		strings.Contains(s.Interface.PostDown[0], "cleanup") {
		t.Errorf("scripts not kept as written (comments stripped): %q %q", s.Interface.PostUp, s.Interface.PostDown)
	}
}

// TestRoundTrip checks Parse(Marshal(p)) == p, and that Marshal is stable.
func TestRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.conf")
	if err != nil || len(files) < 7 {
		t.Fatalf("testdata: %v, %d files", err, len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p := loadFile(t, filepath.Base(f))
			checkRoundTrip(t, p)
		})
	}
}

func checkRoundTrip(t *testing.T, p *Profile) {
	t.Helper()
	text := p.Marshal()
	q, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(Marshal()) failed: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v\n%s", q, p, text)
	}
	if again := q.Marshal(); again != text {
		t.Fatalf("Marshal not stable:\n%s\n---\n%s", text, again)
	}
}

func TestParseErrorType(t *testing.T) {
	_, err := Parse("[Interface]\nPrivateKey = nope\n")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("error %v is not a *ParseError for line 2", err)
	}
	_, err = Parse("")
	if !errors.As(err, &pe) || pe.Line != 0 || strings.HasPrefix(err.Error(), "line") {
		t.Fatalf("empty file: %v should be a whole-file *ParseError", err)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/openwrt.conf")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	data, err := os.ReadFile("testdata/openwrt.conf")
	if err != nil {
		b.Fatal(err)
	}
	p, err := Parse(string(data))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p.Marshal()
	}
}
