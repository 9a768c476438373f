package service

import (
	"encoding/binary"
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

// pidfdRecord is one FAN_REPORT_PIDFD information record.
func pidfdRecord(fd int32) []byte {
	b := []byte{fanInfoPidfd, 0}
	b = binary.NativeEndian.AppendUint16(b, fanInfoPidfdLen)
	return binary.NativeEndian.AppendUint32(b, uint32(fd))
}

// TestEventPidfd: the pidfd record is found after other records, a
// process gone reads as fanNoPidfd, and malformed records give none.
func TestEventPidfd(t *testing.T) {
	other := binary.NativeEndian.AppendUint16([]byte{1, 0}, 8) // a record of another type, 8 bytes
	other = append(other, 9, 9, 9, 9)
	for _, c := range []struct {
		name string
		info []byte
		fd   int32
		ok   bool
	}{
		{"none", nil, 0, false},
		{"pidfd", pidfdRecord(7), 7, true},
		{"after another record", append(slices.Clone(other), pidfdRecord(12)...), 12, true},
		{"process gone", pidfdRecord(fanNoPidfd), fanNoPidfd, true},
		{"length past the event", pidfdRecord(7)[:6], 0, false},
		{"length below the header", append(binary.NativeEndian.AppendUint16([]byte{fanInfoPidfd, 0}, 2), 1, 2, 3, 4), 0, false},
	} {
		fd, ok := eventPidfd(c.info)
		if fd != c.fd || ok != c.ok {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, fd, ok, c.fd, c.ok)
		}
	}
}

// FuzzEventPidfd: any bytes after an event's metadata end the parse
// without a panic, and a pidfd found lies inside them.
func FuzzEventPidfd(f *testing.F) {
	f.Add(pidfdRecord(7))
	f.Add(append(binary.NativeEndian.AppendUint16([]byte{1, 0}, 8), 9, 9, 9, 9))
	f.Fuzz(func(t *testing.T, info []byte) {
		fd, ok := eventPidfd(info)
		if !ok && fd != 0 {
			t.Errorf("no record but fd %d", fd)
		}
		if ok && len(info) < fanInfoPidfdLen {
			t.Errorf("a record read from %d bytes", len(info))
		}
	})
}
