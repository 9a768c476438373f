package view

import (
	"slices"
	"strings"
	"testing"
)

func TestWindowRequests(t *testing.T) {
	for line, want := range map[string]string{"show Settings\n": "Settings", "show\n": "", "show \r\n": "", "show Split tunnel": "Split tunnel"} {
		if tab, ok := ParseRequest(line); !ok || tab != want {
			t.Errorf("%q: %q %v, want %q", line, tab, ok, want)
		}
	}
	for _, line := range []string{"", "quit", "shown Status", "raise"} {
		if _, ok := ParseRequest(line); ok {
			t.Errorf("%q taken as a show request", line)
		}
	}
	if tab, ok := ParseRequest(ShowRequest("Logs")); !ok || tab != "Logs" {
		t.Errorf("round trip: %q %v", tab, ok)
	}
	var shown []string
	ended := false
	FollowRequests(strings.NewReader("show Status\nbogus\nshow Logs\n"), func(tab string) { shown = append(shown, tab) }, func() { ended = true })
	if !slices.Equal(shown, []string{"Status", "Logs"}) || !ended {
		t.Errorf("shown %q, ended %v", shown, ended)
	}
}

func TestSibling(t *testing.T) {
	for _, c := range []struct{ exe, name, goos, want string }{
		{"/usr/bin/palisade-gui", WindowProgram, "linux", "/usr/bin/palisade-window"},
		{"/Applications/Palisade.app/Contents/MacOS/palisade-window", TrayProgram, "darwin", "/Applications/Palisade.app/Contents/MacOS/palisade-gui"},
		// This machine's separators; only the suffix is Windows'.
		{"/Program Files/Palisade/palisade-gui.exe", WindowProgram, "windows", "/Program Files/Palisade/palisade-window.exe"},
	} {
		if got := Sibling(c.exe, c.name, c.goos); got != c.want {
			t.Errorf("Sibling(%q, %q, %s) = %q, want %q", c.exe, c.name, c.goos, got, c.want)
		}
	}
}
