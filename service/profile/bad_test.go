package profile

import (
	"strings"
	"testing"
)

const (
	testPriv   = "2FRqfl04JtpYnbd3ntQc7BK/ojEOvEtKvh8cU9rAz2Q="
	testOwnPub = "xvdpTeFsKHwEZxMBvPXOVwko+u3UcytX7QwcHrt7sy0=" // public key of testPriv
	testPub    = "rliQh6msth4QZuH6LJAWHZco88BEtvjTzb8Ns92o6FA="
	testPub2   = "Y5u69Hy0hUnnj8RYs8miVWYxPyVpU1E2CQPHle0bKn8="

	head = "[Interface]\nPrivateKey = " + testPriv + "\n" // lines 1-2
	peer = "[Peer]\nPublicKey = " + testPub + "\n"        // two lines
)

func manyPeers(n int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		k := Key{byte(i), byte(i >> 8), 1}
		b.WriteString("[Peer]\nPublicKey = " + k.String() + "\n")
	}
	return b.String()
}

// TestBadFiles checks that broken profiles are rejected with the exact,
// line-numbered message.
func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "file is empty: no [Interface] or [Peer] section"},
		{"only comments", "# nothing here\n\n   \n", "file is empty: no [Interface] or [Peer] section"},
		{"no interface", peer + "AllowedIPs = 0.0.0.0/0\n", "no [Interface] section"},
		{"SaveConfig not a boolean", head + "SaveConfig = yes\n" + peer, `line 3: SaveConfig "yes" must be true or false`},
		{"no peer", head + "Address = 10.0.0.2/32\n", "no [Peer] section"},
		{"no private key", "[Interface]\nAddress = 10.0.0.2/32\n\n" + peer, "line 1: [Interface] has no PrivateKey"},
		{"no public key", head + "\n[Peer]\nAllowedIPs = 0.0.0.0/0\n", "line 4: [Peer] has no PublicKey"},
		{"short key", "[Interface]\nPrivateKey = abc\n" + peer,
			"line 2: PrivateKey: key must be 44 characters of base64 (32 bytes), got 3 characters"},
		{"bad base64", "[Interface]\nPrivateKey = 2FRqfl04JtpYnbd3ntQc7BK/ojEOvEtKvh8cU9rAz2!=\n" + peer,
			"line 2: PrivateKey: key is not valid base64"},
		{"33-byte key", head + "[Peer]\nPublicKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",
			"line 4: PublicKey: key decodes to 33 bytes, want 32"},
		{"31-byte key", head + peer + "PresharedKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
			"line 5: PresharedKey: key decodes to 31 bytes, want 32"},
		{"zero private key", "[Interface]\nPrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" + peer,
			"line 2: PrivateKey is all zeros"},
		{"endpoint v4 no port", head + peer + "Endpoint = 198.51.100.1\n", "line 5: Endpoint needs a port"},
		{"endpoint name no port", head + peer + "Endpoint = vpn.example.com\n", "line 5: Endpoint needs a port"},
		{"endpoint v6 no port", head + peer + "Endpoint = [2001:db8::1]\n", "line 5: Endpoint needs a port"},
		{"endpoint empty port", head + peer + "Endpoint = [2001:db8::1]:\n", "line 5: Endpoint needs a port"},
		{"endpoint v6 no brackets", head + peer + "Endpoint = 2001:db8::1\n",
			`line 5: Endpoint "2001:db8::1": an IPv6 address needs brackets and a port, like [2001:db8::1]:51820`},
		{"endpoint port too big", head + peer + "Endpoint = 198.51.100.1:70000\n",
			"line 5: Endpoint port 70000 is out of range 1..65535"},
		{"endpoint port zero", head + peer + "Endpoint = [2001:db8::1]:0\n",
			"line 5: Endpoint port 0 is out of range 1..65535"},
		{"endpoint port text", head + peer + "Endpoint = vpn.example.com:wg\n",
			`line 5: Endpoint port "wg" is not a number`},
		{"endpoint bad name", head + peer + "Endpoint = bad_host!:51820\n",
			`line 5: Endpoint "bad_host!:51820": "bad_host!" is not a valid IP address or host name`},
		{"endpoint bad v4", head + peer + "Endpoint = 198.51.100.300:51820\n",
			`line 5: Endpoint "198.51.100.300:51820": "198.51.100.300" is not a valid IP address or host name`},
		{"endpoint v4 in brackets", head + peer + "Endpoint = [198.51.100.1]:51820\n",
			`line 5: Endpoint "[198.51.100.1]:51820": only IPv6 addresses go in brackets`},
		{"endpoint bad zone", head + peer + "Endpoint = [fe80::1%e/0]:51820\n",
			`line 5: Endpoint "[fe80::1%e/0]:51820": zone "e/0" may only contain letters, digits, '.', '_' and '-'`},
		{"address v4 bad", head + "Address = 10.0.0.300/24\n" + peer,
			`line 3: Address "10.0.0.300/24" is not a valid IP prefix`},
		{"address v4 bad length", head + "Address = 10.0.0.1/33\n" + peer,
			`line 3: Address "10.0.0.1/33" is not a valid IP prefix`},
		{"address v6 bad", head + "Address = 10.0.0.2/32, fd00::g/64\n" + peer,
			`line 3: Address "fd00::g/64" is not a valid IP prefix`},
		{"address zone", head + "Address = fe80::2%eth0\n" + peer,
			`line 3: Address "fe80::2%eth0": a zone is not allowed here`},
		{"allowed v6 bad", head + peer + "AllowedIPs = 0.0.0.0/0, ::/129\n",
			`line 5: AllowedIPs "::/129" is not a valid IP prefix`},
		{"allowed v4 bad", head + peer + "AllowedIPs = 0.0.0/0\n",
			`line 5: AllowedIPs "0.0.0/0" is not a valid IP prefix`},
		{"dns bad", head + "DNS = 1.1.1.1, not a domain!\n" + peer,
			`line 3: DNS entry "not a domain!" is neither an IP address nor a domain name`},
		{"dns bad v4", head + "DNS = 10.0.0.256\n" + peer,
			`line 3: DNS entry "10.0.0.256" is neither an IP address nor a domain name`},
		{"dns bad v6", head + "DNS = 2606:4700::11111\n" + peer,
			`line 3: DNS entry "2606:4700::11111" is neither an IP address nor a domain name`},
		{"unknown section", "[Interfaces]\n", "line 1: unknown section [Interfaces]; expected [Interface] or [Peer]"},
		{"unclosed section", head + "[Peer\n", `line 3: section header "[Peer" has no closing ']'`},
		{"unknown key", head + "Foo = bar\n" + peer, `line 3: unknown key "Foo" in [Interface]`},
		{"peer key in interface", head + "PublicKey = " + testPub + "\n" + peer,
			"line 3: PublicKey belongs in a [Peer] section, not [Interface]"},
		{"interface key in peer", head + peer + "MTU = 1420\n", "line 5: MTU belongs in the [Interface] section, not [Peer]"},
		{"outside section", "PrivateKey = " + testPriv + "\n" + head, "line 1: PrivateKey is outside a section; add [Interface] or [Peer] above it"},
		{"no equals", "[Interface]\nPrivateKey\n", `line 2: expected "Key = Value" or a [Section] header`},
		{"no key name", head + "= 1\n", "line 3: missing key name before '='"},
		{"key without equals", "[Interface]\nPrivateKey " + testPriv + "\n",
			`line 2: expected "Key = Value"; the text before '=' is not a key name`},
		{"duplicate key", head + "privatekey = " + testPriv + "\n" + peer, "line 3: duplicate PrivateKey (first set on line 2)"},
		{"duplicate endpoint", head + peer + "Endpoint = 198.51.100.1:1\nEndpoint = 198.51.100.2:1\n",
			"line 6: duplicate Endpoint (first set on line 5)"},
		{"second interface", head + peer + "[Interface]\n", "line 5: second [Interface] section (the first is on line 1)"},
		{"duplicate peer", head + peer + peer, "line 6: PublicKey is already used by the peer on line 4"},
		{"own public key", head + "[Peer]\nPublicKey = " + testOwnPub + "\n",
			"line 4: PublicKey is this interface's own public key; use the server's key"},
		{"empty value", head + "MTU =\n" + peer, "line 3: MTU has no value"},
		{"mtu low", head + "MTU = 100\n" + peer, "line 3: MTU 100 is out of range 576..9000"},
		{"mtu high", head + "MTU = 65535\n" + peer, "line 3: MTU 65535 is out of range 576..9000"},
		{"mtu text", head + "MTU = 1420b\n" + peer, `line 3: MTU "1420b" is not a number`},
		{"mtu too low for v6", head + "MTU = 1000\nAddress = 10.0.0.2/32, fd00::2/128\n" + peer,
			"line 3: MTU 1000 is below 1280, the minimum for IPv6, and the interface has an IPv6 address"},
		{"listen port zero", head + "ListenPort = 0\n" + peer, "line 3: ListenPort 0 is out of range 1..65535"},
		{"listen port high", head + "ListenPort = 65536\n" + peer, "line 3: ListenPort 65536 is out of range 1..65535"},
		{"keepalive high", head + peer + "PersistentKeepalive = 70000\n", "line 5: PersistentKeepalive 70000 is out of range 0..65535"},
		{"keepalive negative", head + peer + "PersistentKeepalive = -1\n", `line 5: PersistentKeepalive "-1" is not a number`},
		{"fwmark hex", head + "FwMark = 0xZZ\n" + peer, `line 3: FwMark "0xZZ" is not a 32-bit number, 0x hex or off`},
		{"fwmark big", head + "FwMark = 0x1ffffffff\n" + peer, `line 3: FwMark "0x1ffffffff" is not a 32-bit number, 0x hex or off`},
		{"fwmark text", head + "FwMark = 1.5\n" + peer, `line 3: FwMark "1.5" is not a number`},
		{"table space", head + "Table = my table\n" + peer, `line 3: Table "my table" must be off, auto, a number or a table name`},
		{"script too long", head + "PostUp = " + strings.Repeat("x", 4001) + "\n" + peer, "line 3: PostUp is longer than 4000 characters"},
		{"nul byte", "[Interface]\nPrivate\x00Key = x\n", "line 2: contains a NUL byte; this is not a text file"},
		{"invalid utf8", head + "# caf\xe9\n", "line 3: is not valid UTF-8 text"},
		{"utf16", "\xff\xfe[\x00I\x00", "line 1: file is UTF-16 text; save it as UTF-8"},
		{"control char", head + "PostUp = echo \x1b[31m\n", "line 3: contains a control character (U+001B)"},
		{"long line", head + "#" + strings.Repeat("x", 4096) + "\n", "line 3: is longer than 4096 characters"},
		{"huge file", strings.Repeat("#\n", MaxFileSize/2+1), "file is larger than 1048576 bytes"},
		{"too many peers", manyPeers(MaxPeers + 1), "line 515: more than 256 [Peer] sections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.text)
			if err == nil {
				t.Fatalf("accepted:\n%s", p.Marshal())
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
}

func TestLimitsAccepted(t *testing.T) {
	if _, err := Parse(manyPeers(MaxPeers)); err != nil {
		t.Errorf("%d peers: %v", MaxPeers, err)
	}
	if _, err := Parse(head + "#" + strings.Repeat("x", 4095) + "\n" + peer); err != nil {
		t.Errorf("4096-character line: %v", err)
	}
}

// TestKeyErrorsHideSecret checks that a mistyped private key is not echoed
// into error messages, which end up in logs.
func TestKeyErrorsHideSecret(t *testing.T) {
	for _, line := range []string{"PrivateKey = " + testPriv[:43], "PrivateKey = " + testPriv[:42] + "!=",
		"PrivateKey = " + testPriv + "A", "PrivateKey " + testPriv, "PrivateKey: " + testPriv, testPriv} {
		_, err := Parse("[Interface]\n" + line + "\n" + peer)
		if err == nil || strings.Contains(err.Error(), testPriv[:20]) {
			t.Errorf("line %q: error %v", line, err)
		}
	}
}
