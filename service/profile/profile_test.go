package profile

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestRoutesDefault(t *testing.T) {
	tests := []struct {
		allowed        []string
		route4, route6 bool
	}{
		{[]string{"0.0.0.0/0"}, true, false},
		{[]string{"::/0"}, false, true},
		{[]string{"0.0.0.0/0", "::/0"}, true, true},
		{[]string{"0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"}, true, true},
		{[]string{"0.0.0.0/1", "::/1"}, false, false},
		{[]string{"0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "::/1", "8000::/2", "c000::/2"}, true, true},
		{[]string{"10.0.0.0/8", "fd00::/8"}, false, false},
		{[]string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "::/1", "8000::/2", "c000::/3"}, false, false},
		{nil, false, false},
	}
	for _, tt := range tests {
		p := &Profile{Peers: []Peer{{}, {}}}
		// Spread the prefixes over two peers: the union is what counts.
		for i, s := range tt.allowed {
			p.Peers[i%2].AllowedIPs = append(p.Peers[i%2].AllowedIPs, netip.MustParsePrefix(s))
		}
		if got := p.RoutesIPv4Default(); got != tt.route4 {
			t.Errorf("%v: RoutesIPv4Default = %v", tt.allowed, got)
		}
		if got := p.RoutesIPv6Default(); got != tt.route6 {
			t.Errorf("%v: RoutesIPv6Default = %v", tt.allowed, got)
		}
	}
}

// TestCoversManyHosts checks that a split into every /8 counts as a default
// route and that one missing /8 does not.
func TestCoversManyHosts(t *testing.T) {
	var all []netip.Prefix
	for i := range 256 {
		all = append(all, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i)}), 8))
	}
	whole := netip.MustParsePrefix("0.0.0.0/0")
	if !covers(whole, all) {
		t.Error("256 /8s do not cover 0.0.0.0/0")
	}
	if covers(whole, all[1:]) {
		t.Error("255 /8s cover 0.0.0.0/0")
	}
}

func TestRedacted(t *testing.T) {
	p := loadFile(t, "openwrt.conf")
	orig := p.Marshal()
	r := p.Redacted()
	if !r.Interface.PrivateKey.IsZero() {
		t.Error("PrivateKey not zeroed")
	}
	for i, peer := range r.Peers {
		if !peer.PresharedKey.IsZero() {
			t.Errorf("peer %d PresharedKey not zeroed", i)
		}
		if peer.PublicKey != p.Peers[i].PublicKey || !reflect.DeepEqual(peer.AllowedIPs, p.Peers[i].AllowedIPs) {
			t.Errorf("peer %d public data changed", i)
		}
	}
	text := r.Marshal()
	for _, secret := range []string{p.Interface.PrivateKey.String(), p.Peers[0].PresharedKey.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("redacted Marshal contains a secret:\n%s", text)
		}
	}
	// The copy must not share memory with the original.
	r.Peers[1].AllowedIPs[0] = netip.MustParsePrefix("0.0.0.0/0")
	r.Peers[1].Endpoint.Port = 1
	r.Interface.Addresses[0] = netip.MustParsePrefix("::/0")
	if p.Marshal() != orig {
		t.Error("changing the redacted copy changed the original")
	}
}

func TestWarningsFamilies(t *testing.T) {
	v6only := &Profile{
		Interface: Interface{Addresses: prefixes("fd00::2/128")},
		Peers:     []Peer{{AllowedIPs: prefixes("0.0.0.0/0", "::/0")}},
	}
	w := strings.Join(v6only.Warnings(), "\n")
	if !strings.Contains(w, "IPv4 does not go through this tunnel") || strings.Contains(w, "IPv6 does not") {
		t.Errorf("IPv6-only profile warnings: %q", w)
	}
	split := &Profile{
		Interface: Interface{Addresses: prefixes("10.0.0.2/32")},
		Peers:     []Peer{{AllowedIPs: prefixes("10.0.0.0/24")}},
	}
	if w := split.Warnings(); len(w) != 0 {
		t.Errorf("split-tunnel profile warnings: %q", w)
	}
}

// TestMarshalLongLists checks that long lists are split over repeated keys
// so that every line stays within MaxLineLen.
func TestMarshalLongLists(t *testing.T) {
	p := loadFile(t, "mullvad.conf")
	for i := range 2000 {
		p.Peers[0].AllowedIPs = append(p.Peers[0].AllowedIPs,
			netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, byte(i >> 8), byte(i), 15: 1}), 128))
	}
	text := p.Marshal()
	for i, line := range strings.Split(text, "\n") {
		if len(line) > listLineLen+100 {
			t.Fatalf("line %d is %d characters long", i+1, len(line))
		}
	}
	checkRoundTrip(t, p)
}

// TestMarshalWorstCase fills every limit with the longest values Parse
// accepts and checks that Marshal's output still parses: Marshal must never
// write what Parse would refuse.
func TestMarshalWorstCase(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "MTU = 1420\nListenPort = 65535\nFwMark = 4294967295\nTable = " + strings.Repeat("t", 64) + "\n")
	long6 := "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff%d/128"
	for i := range maxEntries {
		b.WriteString("Address = " + strings.ReplaceAll(long6, "%d", string(rune('0'+i%10))) + "\n")
	}
	domain := strings.Repeat(strings.Repeat("d", 62)+".", 4) + "x"
	for range maxEntries {
		b.WriteString("DNS = " + domain + "\n")
	}
	for range maxScripts {
		b.WriteString("postdown=" + strings.Repeat("s", maxScriptLen) + "\n")
	}
	perPeer := MaxAllowedIPs / MaxPeers
	for i := range MaxPeers {
		k := Key{byte(i), 1}
		b.WriteString("[Peer]\nPublicKey=" + k.String() + "\nPresharedKey=" + k.String() +
			"\nEndpoint=" + domain + ":65535\nPersistentKeepalive=65535\n")
		for range perPeer {
			b.WriteString("AllowedIPs=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n")
		}
	}
	p, err := Parse(b.String())
	if err != nil {
		t.Fatalf("worst case rejected: %v", err)
	}
	text := p.Marshal()
	if len(text) > MaxFileSize {
		t.Fatalf("Marshal wrote %d bytes, more than MaxFileSize", len(text))
	}
	checkRoundTrip(t, p)
}
