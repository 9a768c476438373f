package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

func runCLI(args ...string) (int, string, string) {
	return runCLIInput("", args...)
}

// runCLIInput runs the CLI with stdin holding input.
func runCLIInput(input string, args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(input), &out, &errw)
	return code, out.String(), errw.String()
}

func TestProfileCheckAcceptsRealWorldProfiles(t *testing.T) {
	files, _ := filepath.Glob("../../service/profile/testdata/*.conf")
	if len(files) < 5 {
		t.Fatalf("expected the profile corpus, found %d files", len(files))
	}
	for _, f := range files {
		code, out, errw := runCLI("profile", "check", f)
		if code != 0 {
			t.Errorf("%s rejected: %s", f, errw)
			continue
		}
		if strings.Contains(out, "PrivateKey") || !strings.Contains(out, "[Peer]") {
			t.Errorf("%s: normalized output must show peers and hide the private key:\n%s", f, out)
		}
	}
	if _, _, errw := runCLI("profile", "check", "../../service/profile/testdata/scripts.conf"); !strings.Contains(errw, "warning:") {
		t.Errorf("scripts not warned about: %q", errw)
	}
}

// profile check says how the profile will be routed before connecting, in a
// comment line above the normalized profile.
func TestProfileCheckShowsRouting(t *testing.T) {
	const head = "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.64.0.2/32\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 198.51.100.2:51820\nAllowedIPs = "
	excludePrivate := "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, 64.0.0.0/2, 128.0.0.0/3, 160.0.0.0/5, 168.0.0.0/6, 172.0.0.0/12, 172.32.0.0/11, 172.64.0.0/10, 172.128.0.0/9, 173.0.0.0/8, 174.0.0.0/7, 176.0.0.0/4, 192.0.0.0/9, 192.128.0.0/11, 192.160.0.0/13, 192.169.0.0/16, 192.170.0.0/15, 192.172.0.0/14, 192.176.0.0/12, 192.192.0.0/10, 193.0.0.0/8, 194.0.0.0/7, 196.0.0.0/6, 200.0.0.0/5, 208.0.0.0/4"
	dir := t.TempDir()
	for _, tc := range []struct{ allowed, want string }{
		{"0.0.0.0/1, 128.0.0.0/1", "# routing: full IPv4 tunnel, IPv6 blocked\n"},
		{excludePrivate, "# routing: full IPv4 tunnel (left outside: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3), IPv6 blocked\n"},
		{"10.64.0.0/24, 198.51.100.0/24", "# routing: split: 10.64.0.0/24, 198.51.100.0/24\n"},
	} {
		path := filepath.Join(dir, "p.conf")
		os.WriteFile(path, []byte(head+tc.allowed+"\n"), 0o600)
		code, out, errw := runCLI("profile", "check", path)
		if code != 0 || !strings.HasPrefix(out, tc.want) {
			t.Errorf("%.30s…: exit %d, stderr %q, output starts %q, want %q", tc.allowed, code, errw, out[:min(len(out), len(tc.want))], tc.want)
		}
		if !strings.Contains(out, "\n[Interface]\n") {
			t.Errorf("normalized profile missing after the routing line:\n%s", out)
		}
	}
}

func TestProfileCheckRejectsBrokenProfiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"no-port":    "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 198.51.100.1\n",
		"short-key":  "[Interface]\nPrivateKey = c2hvcnQ=\n",
		"binary":     "\x00\x01\x02\xff",
		"empty":      "",
		"no-section": "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n",
	}
	for name, text := range cases {
		path := filepath.Join(dir, name+".conf")
		os.WriteFile(path, []byte(text), 0o600)
		code, out, errw := runCLI("profile", "check", path)
		if code == 0 || out != "" || !strings.Contains(errw, path) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errw)
		}
	}
	code, _, errw := runCLI("profile", "check", filepath.Join(dir, "no-port.conf"))
	if code == 0 || !strings.Contains(errw, "line 5") {
		t.Errorf("error does not name the line: %q", errw)
	}
}

func TestApplySetting(t *testing.T) {
	s := settings.Default()
	if err := applySetting(&s, "dns", []string{"custom", "1.1.1.1", "2606:4700:4700::1111"}); err != nil || s.DNS.Mode != settings.DNSCustom || len(s.DNS.Custom) != 2 {
		t.Fatalf("mixed custom DNS: %v %+v", err, s.DNS)
	}
	for _, bad := range [][]string{{"dns", "custom", "one.one.one.one"}, {"dns", "custom"}, {"killswitch", "maybe"}, {"ipv6", "perhaps"}, {"colour", "red"}, {"dns", "tunnel", "1.1.1.1"}} {
		s := settings.Default()
		if err := applySetting(&s, bad[0], bad[1:]); err == nil {
			t.Errorf("set %v accepted", bad)
		}
	}
}

func TestUnreachableServiceIsExplained(t *testing.T) {
	setProbe(t, keptblock.Absent, nil)
	code, _, errw := runCLI("--socket", filepath.Join(t.TempDir(), "none.sock"), "--state-dir", t.TempDir(), "connect")
	if code != 1 || !strings.Contains(errw, "not reachable") || !strings.Contains(errw, "Start it: sudo systemctl start palisaded") {
		t.Fatalf("exit %d: %q", code, errw)
	}
}

func TestStatusSaysResolving(t *testing.T) {
	var b bytes.Buffer
	printStatus(&b, ipc.Status{State: ipc.Connecting, Resolving: "vpn.example.net"})
	if !strings.HasPrefix(b.String(), "state:       connecting, resolving vpn.example.net (since ") {
		t.Errorf("status:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Connecting, Resolving: "ipv4only.arpa"})
	if !strings.HasPrefix(b.String(), "state:       connecting, discovering NAT64 (since ") {
		t.Errorf("status during NAT64 discovery:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Connecting})
	if strings.Contains(b.String(), "resolving") {
		t.Errorf("status without a lookup:\n%s", b.String())
	}
}

func TestStatusSaysEndpointFamily(t *testing.T) {
	var b bytes.Buffer
	printStatus(&b, ipc.Status{State: ipc.Connected, Endpoint: "[2001:db8:64::c633:6402]:51820", EndpointFamily: "IPv6", EndpointNAT64: "2001:db8:64::/96"})
	if !strings.Contains(b.String(), "\nendpoint:    [2001:db8:64::c633:6402]:51820 (IPv6, via NAT64 2001:db8:64::/96)\n") {
		t.Errorf("status:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Connected, Endpoint: "198.51.100.2:51820", EndpointFamily: "IPv4"})
	if !strings.Contains(b.String(), "\nendpoint:    198.51.100.2:51820 (IPv4)\n") {
		t.Errorf("status:\n%s", b.String())
	}
}

func TestStatusSaysRouting(t *testing.T) {
	var b bytes.Buffer
	printStatus(&b, ipc.Status{State: ipc.Connected, Interface: "palisade0", Routing: "full IPv4 tunnel, IPv6 blocked", IPv6Blocked: true})
	if !strings.Contains(b.String(), "\nrouting:     full IPv4 tunnel, IPv6 blocked\n") {
		t.Errorf("status:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Disconnected})
	if strings.Contains(b.String(), "routing") {
		t.Errorf("routing shown without a tunnel:\n%s", b.String())
	}
}

func TestStatusShowsDNSWarning(t *testing.T) {
	var b bytes.Buffer
	printStatus(&b, ipc.Status{State: ipc.Connected, DNS: ipc.DNSStatus{Mode: "tunnel", Warning: "system DNS not set: read-only file system"}})
	if !strings.Contains(b.String(), "\nwarning:     system DNS not set: read-only file system\n") {
		t.Errorf("status:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Connected, DNS: ipc.DNSStatus{Mode: "tunnel"}})
	if strings.Contains(b.String(), "warning") {
		t.Errorf("warning without one:\n%s", b.String())
	}
}

func TestStatusSaysMTU(t *testing.T) {
	var b bytes.Buffer
	printStatus(&b, ipc.Status{State: ipc.Connected, Interface: "palisade0", MTU: 1320, MTUWhy: "uplink eth0 1400 − 80"})
	if !strings.Contains(b.String(), "\nmtu:         1320 (uplink eth0 1400 − 80)\n") {
		t.Errorf("status:\n%s", b.String())
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Disconnected})
	if strings.Contains(b.String(), "mtu:") {
		t.Errorf("status without a tunnel:\n%s", b.String())
	}
}

// The kill switch and DNS lines say what is happening in words: whether
// traffic outside the tunnel is blocked, which servers answer, and how the
// system was pointed at them.
func TestStatusSaysKillSwitchAndDNS(t *testing.T) {
	for _, tc := range []struct {
		st   ipc.Status
		want []string
	}{
		{ipc.Status{State: ipc.Connected, KillSwitch: settings.KillSwitchAuto, KillSwitchEngaged: true,
			DNS: ipc.DNSStatus{Mode: settings.DNSTunnel, Upstreams: []string{"10.64.0.1", "fd64::1"}, Manager: "systemd-resolved"}},
			[]string{"\nkill switch: auto, engaged: traffic outside the tunnel is blocked\n", "\ndns:         tunnel: 10.64.0.1, fd64::1 (system DNS set through systemd-resolved)\n"}},
		{ipc.Status{State: ipc.Disconnected, KillSwitch: settings.KillSwitchAuto, DNS: ipc.DNSStatus{Mode: settings.DNSTunnel}},
			[]string{"\nkill switch: auto, not engaged (engages once connected, until you disconnect)\n", "\ndns:         tunnel\n"}},
		{ipc.Status{State: ipc.Connected, KillSwitch: settings.KillSwitchOff,
			DNS: ipc.DNSStatus{Mode: settings.DNSCustom, Upstreams: []string{"1.1.1.1", "2606:4700:4700::1111"}, Manager: "file"}},
			[]string{"\nkill switch: off, not engaged\n", "\ndns:         custom: 1.1.1.1, 2606:4700:4700::1111 (system DNS set in /etc/resolv.conf)\n"}},
		{ipc.Status{State: ipc.Connected, KillSwitch: settings.KillSwitchAlways, KillSwitchEngaged: true, DNS: ipc.DNSStatus{Mode: settings.DNSExisting}},
			[]string{"\nkill switch: always, engaged: traffic outside the tunnel is blocked\n", "\ndns:         existing (the system's own servers; Palisade leaves DNS alone)\n"}},
	} {
		var b bytes.Buffer
		printStatus(&b, tc.st)
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("status lacks %q:\n%s", w, b.String())
			}
		}
	}
}

// The profile list has a header, aligned columns of any width, the routing
// of each profile and a * on the one used last.
func TestProfileListTable(t *testing.T) {
	var b bytes.Buffer
	printProfiles(&b, []ipc.ProfileInfo{
		{Name: "a-rather-long-profile-name-x", Addresses: []string{"10.64.0.2/32", "fd64::2/128"}, Endpoints: []string{"[2001:db8::1]:51820"}, Routing: "full tunnel, IPv4 and IPv6"},
		{Name: "v4", Addresses: []string{"10.0.0.2/32"}, Endpoints: []string{"198.51.100.1:51820"}, Routing: "full IPv4 tunnel, IPv6 blocked", LastUsed: true},
	})
	want := "" +
		"  NAME                          ADDRESSES                  ENDPOINT             ROUTING\n" +
		"  a-rather-long-profile-name-x  10.64.0.2/32, fd64::2/128  [2001:db8::1]:51820  full tunnel, IPv4 and IPv6\n" +
		"* v4                            10.0.0.2/32                198.51.100.1:51820   full IPv4 tunnel, IPv6 blocked\n"
	if b.String() != want {
		t.Errorf("list:\n%s\nwant:\n%s", b.String(), want)
	}
}

// settings shows every setting under the name 'palisade set' takes, and
// what set changes shows up there.
func TestSettingsText(t *testing.T) {
	s := settings.Default()
	for _, args := range [][]string{{"dns", "custom", "1.1.1.1", "2606:4700:4700::1111"}, {"killswitch", "always"}, {"allow-lan", "off"}, {"reconnect-on-start", "off"}} {
		if err := applySetting(&s, args[0], args[1:]); err != nil {
			t.Fatalf("set %v: %v", args, err)
		}
	}
	var b bytes.Buffer
	printSettings(&b, s)
	for _, want := range []string{
		"killswitch          always\n", "allow-lan           off\n", "ipv6                on\n",
		"dns                 custom 1.1.1.1 2606:4700:4700::1111\n", "reconnect-on-start  off\n",
		"check-url           https://am.i.mullvad.net/ip (the default)\n", "split               off, no programs listed ('palisade split list')\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("settings lack %q:\n%s", want, b.String())
		}
	}
}
