package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// cliIn runs the CLI against the node with stdin, and returns its output
// and exit status.
func (n *node) cliIn(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.cli, append([]string{"--socket", n.socket}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("palisade %v: %v", args, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// A new user's first session with the CLI against the real service: no
// profile yet, an import, a second import under the same name (refused,
// nothing lost), one from stdin, mistakes, then a dual-stack connection
// whose status names both families' addresses and DNS servers and the
// engaged kill switch.
func TestCLIFirstSession(t *testing.T) {
	n := start(t, testbed.Options{})
	expect := func(stdin string, wantCode int, want string, args ...string) string {
		t.Helper()
		out, code := n.cliIn(t, stdin, args...)
		if code != wantCode || !strings.Contains(out, want) {
			t.Errorf("palisade %v: exit %d (want %d), output:\n%s\nwant it to contain %q", args, code, wantCode, out, want)
		}
		return out
	}
	expect("", 0, "no profiles yet: import one with 'palisade profile import FILE'", "profile", "list")
	expect("", 1, "no profile given and none used before", "connect")

	dir := t.TempDir()
	path := filepath.Join(dir, "bed.conf")
	if err := os.WriteFile(path, []byte(n.bed.ProfileText(testbed.ProfileOptions{})), 0o600); err != nil {
		t.Fatal(err)
	}
	expect("", 0, "imported bed", "profile", "import", path)
	v4only := filepath.Join(dir, "v4.conf")
	if err := os.WriteFile(v4only, []byte(n.bed.ProfileText(testbed.ProfileOptions{IPv4Only: true})), 0o600); err != nil {
		t.Fatal(err)
	}
	expect("", 1, "hint: --name NAME imports it under another name", "profile", "import", v4only, "--name", "bed")
	expect("", 0, "full tunnel, IPv4 and IPv6", "profile", "list")
	expect(n.bed.ProfileText(testbed.ProfileOptions{IPv4Only: true}), 0, "routing: full IPv4 tunnel, IPv6 blocked", "profile", "import", "-", "--name", "v4")
	expect("", 1, "hint: 'palisade profile list' shows the stored profiles", "connect", "bde")
	expect("", 2, `allow-lan "maybe": use on or off`, "set", "allow-lan", "maybe")

	n.connect(t, "bed")
	var out string
	defer func() {
		if t.Failed() {
			t.Logf("last status:\n%s", out)
		}
	}()
	waitFor(t, 15*time.Second, "status naming both families", func() bool {
		out, _ = n.cliIn(t, "", "status")
		iface := statusValue(out, "interface")
		return strings.Contains(iface, " "+testbed.TunnelClientIPv4.String()+"/32") && strings.Contains(iface, " "+testbed.TunnelClientIPv6.String()+"/128") &&
			statusValue(out, "routing") == "full tunnel, IPv4 and IPv6" &&
			statusValue(out, "kill switch") == "auto, engaged: traffic outside the tunnel is blocked" &&
			strings.HasPrefix(statusValue(out, "dns"), "tunnel: "+testbed.TunnelServerIPv4.String()+", "+testbed.TunnelServerIPv6.String()+" (system DNS set ")
	})
	expect("", 0, "", "disconnect")
	waitFor(t, 15*time.Second, "status after disconnect", func() bool {
		out, _ = n.cliIn(t, "", "status")
		return strings.HasPrefix(statusValue(out, "state"), "disconnected") &&
			statusValue(out, "kill switch") == "auto, not engaged (engages once connected, until you disconnect)"
	})

	// Renamed, the last used profile stays the one a plain connect uses;
	// removed, a plain connect says so and names the choices.
	expect("", 0, "", "profile", "rename", "bed", "office")
	expect("", 0, "* office", "profile", "list")
	expect("", 0, "", "connect", "--wait", "--timeout", "30s")
	waitFor(t, 15*time.Second, "connected with the renamed profile", func() bool {
		out, _ = n.cliIn(t, "", "status")
		return strings.HasPrefix(statusValue(out, "state"), "connected") && strings.HasPrefix(statusValue(out, "profile"), "office")
	})
	expect("", 0, "", "disconnect")
	waitFor(t, 15*time.Second, "disconnected", func() bool {
		out, _ = n.cliIn(t, "", "status")
		return strings.HasPrefix(statusValue(out, "state"), "disconnected")
	})
	expect("", 0, "", "profile", "remove", "office")
	expect(n.bed.ProfileText(testbed.ProfileOptions{IPv4Only: true}), 0, "imported v4b", "profile", "import", "-", "--name", "v4b")
	expect("", 1, `the one last used ("office") was removed: choose one of v4, v4b`+"\nhint: name it: palisade connect NAME", "connect")
}

// statusValue is what a "label: value" line of palisade status says, or
// "" when there is no such line.
func statusValue(status, label string) string {
	for _, l := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(l, label+":"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
