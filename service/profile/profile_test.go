package profile

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestScope(t *testing.T) {
	dual := prefixes("10.64.0.2/32", "fd64::2/128")
	tests := []struct {
		addresses    []netip.Prefix
		allowed      []string
		full4, full6 bool
		text         string
	}{
		{dual, []string{"0.0.0.0/0"}, true, false, "full IPv4 tunnel, IPv6 blocked"},
		{dual, []string{"::/0"}, false, true, "full IPv6 tunnel, IPv4 blocked"},
		{dual, []string{"0.0.0.0/0", "::/0"}, true, true, "full tunnel, IPv4 and IPv6"},
		{dual, []string{"0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"}, true, true, "full tunnel, IPv4 and IPv6"},
		{dual, []string{"0.0.0.0/1", "128.0.0.0/1"}, true, false, "full IPv4 tunnel, IPv6 blocked"},
		{dual, []string{"0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "::/1", "8000::/2", "c000::/2"}, true, true, "full tunnel, IPv4 and IPv6"},
		{dual, []string{"10.0.0.0/8", "fd00::/8"}, false, false, "split: 10.0.0.0/8, fd00::/8"},
		// ::/1 holds all of 2000::/3; 128.0.0.0/1 is half of IPv4.
		{dual, []string{"128.0.0.0/1", "::/1"}, false, true, "full IPv6 tunnel (left outside: 8000::/1), IPv4 blocked except 128.0.0.0/1"},
		// Without an IPv6 address, IPv6 allowed IPs are not routed.
		{prefixes("10.64.0.2/32"), []string{"0.0.0.0/0", "::/0"}, true, false, "full IPv4 tunnel, IPv6 blocked"},
		{dual, nil, false, false, "nothing routed: the profile has no allowed IPs"},
	}
	for _, tt := range tests {
		p := &Profile{Interface: Interface{Addresses: tt.addresses}, Peers: []Peer{{}, {}}}
		// Spread the prefixes over two peers: the union is what counts.
		for i, s := range tt.allowed {
			p.Peers[i%2].AllowedIPs = append(p.Peers[i%2].AllowedIPs, netip.MustParsePrefix(s))
		}
		s := p.Scope()
		if s.Full4 != tt.full4 || s.Full6 != tt.full6 {
			t.Errorf("%v: Full4, Full6 = %v, %v, want %v, %v", tt.allowed, s.Full4, s.Full6, tt.full4, tt.full6)
		}
		if s.String() != tt.text {
			t.Errorf("%v: %q, want %q", tt.allowed, s.String(), tt.text)
		}
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

// A DNS server outside AllowedIPs (the "exclude private IPs" list without
// the server added) cannot be reached through the tunnel: warned about.
func TestWarningsDNSOutsideAllowedIPs(t *testing.T) {
	p := &Profile{
		Interface: Interface{Addresses: prefixes("10.64.0.2/32", "fd64::2/128"),
			DNS: []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd64::1"), netip.MustParseAddr("fe80::1%eth0")}},
		Peers: []Peer{{AllowedIPs: prefixes("0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1", "::/0")}},
	}
	w := strings.Join(p.Warnings(), "\n")
	if !strings.Contains(w, "DNS server 10.64.0.1 is outside AllowedIPs") || !strings.Contains(w, "add 10.64.0.1/32 to AllowedIPs") {
		t.Errorf("no warning for a DNS server outside AllowedIPs: %q", w)
	}
	if strings.Contains(w, "fd64::1") || strings.Contains(w, "fe80::1") {
		t.Errorf("warned about a DNS server in the tunnel or on the link: %q", w)
	}
	p.Peers[0].AllowedIPs = append(p.Peers[0].AllowedIPs, netip.MustParsePrefix("10.64.0.1/32"))
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("warnings with the DNS server in AllowedIPs: %q", w)
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

// SaveConfig = true is kept (the profile exports unchanged) and warned
// about, like Table: Palisade never writes the profile back.
func TestSaveConfigKeptAndWarned(t *testing.T) {
	p, err := Parse(head + "Address = 10.0.0.2/32\nSaveConfig = true\n" + peer + "AllowedIPs = 0.0.0.0/0\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Marshal(), "\nSaveConfig = true\n") {
		t.Errorf("SaveConfig dropped:\n%s", p.Marshal())
	}
	if w := strings.Join(p.Warnings(), "\n"); !strings.Contains(w, "SaveConfig = true is kept but ignored") {
		t.Errorf("warnings: %q", w)
	}
	q, err := Parse(head + "Address = 10.0.0.2/32\nSaveConfig = false\n" + peer + "AllowedIPs = 0.0.0.0/0\n")
	if err != nil || strings.Contains(q.Marshal(), "SaveConfig") || strings.Contains(strings.Join(q.Warnings(), "\n"), "SaveConfig") {
		t.Errorf("SaveConfig = false: %v\n%s%q", err, q.Marshal(), q.Warnings())
	}
}
