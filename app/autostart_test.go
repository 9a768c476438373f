package app

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestDesktopExecQuote(t *testing.T) {
	cases := map[string]string{
		"/usr/bin/palisade-gui":         "/usr/bin/palisade-gui",
		"/opt/My Apps/palisade-gui":     `"/opt/My Apps/palisade-gui"`,
		`/opt/a"b/$x/palisade-gui`:      `"/opt/a\\"b/\\$x/palisade-gui"`,
		"/home/u/100%/palisade-gui run": `"/home/u/100%%/palisade-gui run"`,
	}
	for in, want := range cases {
		if got := desktopExecQuote(in); got != want {
			t.Errorf("desktopExecQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLaunchAgentPlist(t *testing.T) {
	exe := "/Applications/Palisade & Co.app/Contents/MacOS/palisade-gui"
	var doc struct {
		Dict struct {
			Keys  []string `xml:"key"`
			Array struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal([]byte(launchAgentPlist(exe)), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Dict.Array.Strings) != 2 || doc.Dict.Array.Strings[0] != exe || doc.Dict.Array.Strings[1] != "--hidden" {
		t.Errorf("program arguments = %q", doc.Dict.Array.Strings)
	}
	if strings.Join(doc.Dict.Keys, ",") != "Label,ProgramArguments,RunAtLoad,ProcessType" {
		t.Errorf("keys = %q", doc.Dict.Keys)
	}
}

func TestRunKeyValue(t *testing.T) {
	if got := runKeyValue(`C:\Program Files\Palisade\palisade-gui.exe`); got != `"C:\Program Files\Palisade\palisade-gui.exe" --hidden` {
		t.Errorf("run key value = %s", got)
	}
}

func TestHiddenEntry(t *testing.T) {
	cases := map[string]bool{
		hiddenAutostartEntry:                                 true,
		autostartEntry("/usr/bin/palisade-gui"):              false,
		"[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n": true,
		"[Desktop Entry]\nHidden = true\n":                   true,
		"[Desktop Entry]\nHidden=false\n":                    false,
	}
	for in, want := range cases {
		if got := hiddenEntry([]byte(in)); got != want {
			t.Errorf("hiddenEntry(%q) = %v, want %v", in, got, want)
		}
	}
}
