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
		unit, err := SystemdUnit(exe)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), SystemdUnitName)
		if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		// verify only parses and checks the file; it loads nothing into
		// the running manager. Any diagnostic (unknown key, bad value) fails.
		out, err := exec.Command(analyze, "verify", path).CombinedOutput()
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

func TestRejectsUnsafePaths(t *testing.T) {
	for _, exe := range []string{"palisaded", "bin/palisaded", `/opt/"x"/palisaded`, `/opt/x\y`, "/opt/{{Executable}}", "/opt/a\nExecStartPre=/bin/evil"} {
		if _, err := SystemdUnit(exe); err == nil {
			t.Errorf("SystemdUnit(%q) succeeded", exe)
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
