package installer

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/internal/testenv"
)

func TestSystemdUnitVerifies(t *testing.T) {
	analyze := testenv.NeedTool(t, "systemd-analyze", "systemd")
	for _, name := range []string{"palisaded", "with space", "100%"} {
		dir := filepath.Join(t.TempDir(), name)
		exe := filepath.Join(dir, "palisaded")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		// Both units side by side, as installed: the early one names the
		// service.
		units := t.TempDir()
		var paths []string
		for name, render := range map[string]func(string) (string, error){SystemdUnitName: SystemdUnit, SystemdEarlyUnitName: SystemdEarlyUnit} {
			unit, err := render(exe)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(units, name)
			if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, path)
		}
		// verify only parses and checks the files; it loads nothing into
		// the running manager. Any diagnostic (unknown key, bad value) fails.
		out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify for %q: %v\n%s", exe, err, out)
		}
	}
}

func TestSystemdUnitContent(t *testing.T) {
	unit, err := SystemdUnit("/usr/bin/palisaded")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ExecStart=/usr/bin/palisaded run",
		"Restart=always",
		"After=network-pre.target",
		"Before=network.target",
		"CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW",
		"AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW",
		"ProtectSystem=strict",
		"ProtectHome=yes",
		"NoNewPrivileges=yes",
		"PrivateTmp=yes",
		"RuntimeDirectory=palisade",
		"StateDirectory=palisade",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(unit, "\n"+line+"\n") {
			t.Errorf("unit lacks line %q", line)
		}
	}
	if strings.Contains(unit, "{{") {
		t.Error("unit still contains template delimiters")
	}
	unit, err = SystemdUnit("/opt/a b/50%/palisaded")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nExecStart=\"/opt/a b/50%%/palisaded\" run\n"; !strings.Contains(unit, want) {
		t.Errorf("unit lacks %q", want)
	}
}

// The early-boot unit runs `palisaded early-block` once, out of the default
// dependencies (which would order it after basic.target), before the
// network managers and palisaded, pulled in by palisaded, with only the
// packet filter's capability.
func TestSystemdEarlyUnitContent(t *testing.T) {
	unit, err := SystemdEarlyUnit("/usr/bin/palisaded")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ExecStart=/usr/bin/palisaded early-block",
		"Type=oneshot",
		"DefaultDependencies=no",
		"Wants=network-pre.target",
		"Before=network-pre.target palisaded.service shutdown.target",
		"After=nftables.service",
		"RequiresMountsFor=/var/lib/palisade",
		"TimeoutStartSec=10",
		"CapabilityBoundingSet=CAP_NET_ADMIN",
		"ProtectSystem=strict",
		"RestrictAddressFamilies=AF_UNIX AF_NETLINK",
		"WantedBy=" + SystemdUnitName,
	} {
		if !strings.Contains(unit, "\n"+line+"\n") {
			t.Errorf("early unit lacks line %q", line)
		}
	}
	if strings.Contains(unit, "{{") {
		t.Error("early unit still contains template delimiters")
	}
	if unit, err = SystemdEarlyUnit("/opt/a b/50%/palisaded"); err != nil || !strings.Contains(unit, "\nExecStart=\"/opt/a b/50%%/palisaded\" early-block\n") {
		t.Errorf("early unit for a path with a space and a percent sign: %v\n%s", err, unit)
	}
}

func TestRejectsUnsafePaths(t *testing.T) {
	for _, exe := range []string{"palisaded", "bin/palisaded", `/opt/"x"/palisaded`, `/opt/x\y`, "/opt/{{Executable}}", "/opt/a\nExecStartPre=/bin/evil"} {
		if _, err := SystemdUnit(exe); err == nil {
			t.Errorf("SystemdUnit(%q) succeeded", exe)
		}
		if _, err := SystemdEarlyUnit(exe); err == nil {
			t.Errorf("SystemdEarlyUnit(%q) succeeded", exe)
		}
		if _, err := LaunchdPlist(exe); err == nil {
			t.Errorf("LaunchdPlist(%q) succeeded", exe)
		}
	}
}

func TestLaunchdPlist(t *testing.T) {
	const exe = "/Applications/Palisade & Co/<x>/palisaded"
	p, err := LaunchdPlist(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Error("plist lacks the XML declaration")
	}
	dict, err := parsePlistDict(p)
	if err != nil {
		t.Fatalf("plist is not valid XML: %v\n%s", err, p)
	}
	want := map[string]string{
		"Label":            LaunchdLabel,
		"ProgramArguments": exe + "|run",
		"RunAtLoad":        "true",
		"KeepAlive":        "true",
	}
	for k, v := range want {
		if dict[k] != v {
			t.Errorf("plist %s = %q, want %q", k, dict[k], v)
		}
	}
}

// parsePlistDict decodes the top-level dict of a plist into key → value,
// where booleans become "true"/"false" and arrays join their strings with |.
func parsePlistDict(s string) (map[string]string, error) {
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	out := map[string]string{}
	var key, text string
	var array []string
	inArray := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			text = ""
			switch tok.Name.Local {
			case "array":
				inArray, array = true, nil
			case "true", "false":
				out[key] = tok.Name.Local
			}
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "key":
				key = text
			case "string", "integer":
				if inArray {
					array = append(array, text)
				} else {
					out[key] = text
				}
			case "array":
				inArray = false
				out[key] = strings.Join(array, "|")
			}
		}
	}
}
