package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestApplySplit(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "game")
	if err := os.WriteFile(prog, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "game-launcher")
	if err := os.Symlink(prog, link); err != nil {
		t.Fatal(err)
	}
	var s settings.Split
	for _, step := range [][2]string{{"mode", "VPN-only"}, {"dns", "tunnel"}, {"add", link}} {
		if err := applySplit(&s, step[0], step[1]); err != nil {
			t.Fatalf("split %s %s: %v", step[0], step[1], err)
		}
	}
	if s.Mode != settings.SplitVPNOnly || !s.TunnelDNS || len(s.Programs) != 1 || s.Programs[0] != prog {
		t.Fatalf("after mode, dns, add: %+v", s)
	}
	bad := map[[2]string]string{
		{"add", prog}:            "already listed",
		{"remove", "/not/there"}: "not listed",
		{"mode", "sometimes"}:    "invalid split tunnel mode",
		{"dns", "maybe"}:         "use direct",
		{"colour", "blue"}:       "unknown split command",
	}
	for args, want := range bad {
		before := s
		if err := applySplit(&s, args[0], args[1]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("split %s %s: %v, want %q", args[0], args[1], err, want)
		}
		if s.Mode != before.Mode || s.TunnelDNS != before.TunnelDNS || strings.Join(s.Programs, ",") != strings.Join(before.Programs, ",") {
			t.Errorf("split %s %s changed the settings: %+v", args[0], args[1], s)
		}
	}
	// A removed program need not exist any more.
	if err := os.Remove(prog); err != nil {
		t.Fatal(err)
	}
	if err := applySplit(&s, "remove", prog); err != nil || len(s.Programs) != 0 {
		t.Errorf("remove of a deleted program: %v, %v", err, s.Programs)
	}
}

func TestExecUsage(t *testing.T) {
	c := &cli{}
	for _, args := range [][]string{{}, {"--bypass"}, {"--bypass", "true"}, {"--sideways", "--", "true"}} {
		if err := c.execCmd(args); err == nil {
			t.Errorf("exec %q accepted", args)
		}
	}
}

func TestStatusShowsSplit(t *testing.T) {
	var b strings.Builder
	for _, c := range []struct {
		mode     settings.SplitMode
		programs int
		want     string
	}{
		{settings.SplitBypass, 3, "split:       bypass, 3 programs listed ("},
		{settings.SplitVPNOnly, 1, "split:       vpn-only, 1 program listed ("},
		{settings.SplitBypass, 0, "split:       bypass, no programs listed ("},
	} {
		b.Reset()
		printStatus(&b, ipc.Status{State: ipc.Connected, Split: c.mode, SplitPrograms: c.programs})
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%s with %d programs: want %q in\n%s", c.mode, c.programs, c.want, b.String())
		}
	}
	b.Reset()
	printStatus(&b, ipc.Status{State: ipc.Connected})
	if strings.Contains(b.String(), "split:") {
		t.Errorf("split shown while off:\n%s", b.String())
	}
}
