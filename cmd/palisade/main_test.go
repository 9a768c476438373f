package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/settings"
)

func runCLI(args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := run(context.Background(), args, &out, &errw)
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
	code, _, errw := runCLI("--socket", filepath.Join(t.TempDir(), "none.sock"), "status")
	if code == 0 || !strings.Contains(errw, "not reachable") {
		t.Fatalf("exit %d: %q", code, errw)
	}
}
