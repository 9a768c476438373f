// Package demo is `make demo`: it builds the test bed, runs the real
// palisaded in the client namespace, connects through the built-in
// WireGuard server and shows both address families answered through the
// tunnel. It runs only when PALISADE_DEMO=1.
package demo

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

func TestDemo(t *testing.T) {
	if os.Getenv("PALISADE_DEMO") != "1" {
		t.Skip("the demo runs through `make demo` (PALISADE_DEMO=1)")
	}
	bin := os.Getenv("PALISADE_BIN")
	bed := testbed.New(t, testbed.Options{})
	say("test bed up: namespaces %s, %s, %s, %s", bed.Namespace(testbed.RoleClient), bed.Namespace(testbed.RoleLAN), bed.Namespace(testbed.RoleServer), bed.Namespace(testbed.RoleInternet))
	socket := filepath.Join(t.TempDir(), "palisaded.sock")
	bed.StartDaemon(t, filepath.Join(bin, "palisaded"), "run", "--socket", socket, "--state-dir", t.TempDir())
	cli := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "palisade"), append([]string{"--socket", socket}, args...)...)
		out, err := cmd.CombinedOutput()
		fmt.Printf("$ palisade %s\n%s", join(args), out)
		if err != nil {
			t.Fatalf("palisade %s: %v", join(args), err)
		}
		return string(out)
	}
	waitSocket(t, socket)
	profile := filepath.Join(t.TempDir(), "demo.conf")
	if err := os.WriteFile(profile, []byte(bed.ProfileText(testbed.ProfileOptions{})), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("profile", "import", profile)
	cli("connect", "demo", "--wait")
	cli("status")
	for _, addr := range []netip.Addr{testbed.InternetIPv4, testbed.InternetIPv6} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		seen, err := bed.ProbeTCP(ctx, netip.AddrPortFrom(addr, testbed.HTTPPort))
		cancel()
		if err != nil {
			t.Fatalf("request to %s: %v", addr, err)
		}
		say("request to internet host %s answered through the tunnel: it saw us as %s (the server), not as the client's own address", addr, seen)
	}
	cli("firewall", "show")
	// The self-check, with its outside test asking the internet host's
	// "what is my IP" service over both families.
	cli("set", "check-url", fmt.Sprintf("http://%s:%d/", strings.TrimSuffix(testbed.IPName, "."), testbed.IPPort))
	cli("set", "check-outside", "on")
	cli("check")
	openGUI(t, bin, socket)
	hold(t, bed, socket)
	cli("disconnect")
	say("demo done: tearing the test bed down")
}

// openGUI shows the tray app on the demo's service when a display exists.
func openGUI(t *testing.T, bin, socket string) {
	gui := filepath.Join(bin, "palisade-gui")
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return
	}
	if _, err := os.Stat(gui); err != nil {
		return
	}
	cmd := exec.Command(gui, "--socket", socket)
	if err := cmd.Start(); err != nil {
		say("could not start the GUI: %v", err)
		return
	}
	say("palisade-gui started on the demo service")
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// hold keeps the demo up for an interactive user until Ctrl-C (or
// PALISADE_DEMO_HOLD expires); a non-interactive run ends at once.
func hold(t *testing.T, bed *testbed.Bed, socket string) {
	d, _ := time.ParseDuration(os.Getenv("PALISADE_DEMO_HOLD"))
	if d <= 0 {
		return
	}
	say("the demo stays up for %s; try: ip netns exec %s bin/palisade --socket %s status   (Ctrl-C ends it)", d, bed.Namespace(testbed.RoleClient), socket)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-time.After(d):
	}
}

func waitSocket(t *testing.T, socket string) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(socket); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("palisaded did not open its socket")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func say(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}

func join(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}
