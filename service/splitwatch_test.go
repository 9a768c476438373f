package service

import (
	"slices"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/settings"
)

func TestProgramMatches(t *testing.T) {
	splitNeedsLinux(t)
	procs := []Process{{1, "/usr/lib/systemd/systemd"}, {40, "/usr/bin/firefox"}, {41, "/usr/bin/firefox (deleted)"},
		{42, "/opt/game/bin/../bin/game"}, {43, "/usr/bin/firefox-esr"}}
	got := programMatches(procs, []string{"/usr/bin/firefox", "/opt/game/bin/game"})
	var pids []int
	for _, p := range got {
		pids = append(pids, p.PID)
	}
	if !slices.Equal(pids, []int{40, 42}) {
		t.Errorf("matched %v, want [40 42]", pids)
	}
	if programMatches(procs, nil) != nil {
		t.Error("an empty list matched")
	}
	for name, want := range map[string]bool{"42": true, "self": false, "0": false, "-1": false} {
		if _, ok := pidDir(name); ok != want {
			t.Errorf("pidDir(%q) = %v", name, ok)
		}
	}
}

// TestSplitWatchFollowsSettings: the watch follows the list and the mode,
// and stops with the service.
func TestSplitWatchFollowsSettings(t *testing.T) {
	splitNeedsLinux(t)
	env, _ := testEnv(t, true)
	g := &fakeGroups{}
	env.Split = g
	m, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Settings()
	s.Split = settings.Split{Mode: settings.SplitBypass, Programs: []string{"/usr/bin/b", "/usr/bin/a"}}
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	s.Split.Programs = []string{"/usr/bin/a"}
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	m.Close()
	want := []string{"off:", "bypass:/usr/bin/a,/usr/bin/b", "bypass:/usr/bin/a", ":"}
	if strings.Join(g.watched, " ") != strings.Join(want, " ") {
		t.Errorf("watch calls %q, want %q", g.watched, want)
	}
}

func TestLeftList(t *testing.T) {
	a, b := "/usr/bin/a", "/usr/bin/b"
	for _, c := range []struct {
		name          string
		oldMode, mode settings.SplitMode
		old, programs []string
		want          []string
	}{
		{"one removed", settings.SplitBypass, settings.SplitBypass, []string{a, b}, []string{b}, []string{a}},
		{"none removed", settings.SplitBypass, settings.SplitBypass, []string{a}, []string{a, b}, nil},
		{"mode changed", settings.SplitBypass, settings.SplitVPNOnly, []string{a, b}, []string{a, b}, []string{a, b}},
		{"turned off", settings.SplitVPNOnly, settings.SplitOff, []string{a}, []string{a}, []string{a}},
		{"was off", settings.SplitOff, settings.SplitBypass, []string{a}, nil, nil},
	} {
		if got := leftList(c.oldMode, c.old, c.mode, c.programs); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
