package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/keptblock"
)

// The unit tests never read this machine's firewall: the look at it says
// what the test sets (unreadable unless told otherwise).
var testProbe = struct {
	p   keptblock.Presence
	err error
}{keptblock.Unknown, errors.New("not read in unit tests")}

func init() {
	probeFilter = func(context.Context, string) (keptblock.Presence, error) { return testProbe.p, testProbe.err }
}

func setProbe(t *testing.T, p keptblock.Presence, err error) {
	old := testProbe
	testProbe.p, testProbe.err = p, err
	t.Cleanup(func() { testProbe = old })
}

// Every way the service can be down, as status, status --json and another
// command (check) say it: the exit status, the verdict and the ways out.
func TestServiceDownSaysWhetherBlocked(t *testing.T) {
	rec := keptblock.Record{Since: time.Now(), Stop: "stop", Why: "kill switch always", Mode: "always", Families: []string{keptblock.IPv4, keptblock.IPv6}, Rules: 20}
	for _, c := range []struct {
		name     string
		record   bool
		probe    keptblock.Presence
		code     int
		internet string
		say      []string
	}{
		{"nothing left", false, keptblock.Absent, exitFail, "not blocked", []string{"The Palisade service is not running", "Start it: sudo systemctl start palisaded", "blocks nothing"}},
		{"killed with the table left", false, keptblock.Present, exitBlocked, "blocked", []string{"Internet blocked: Palisade service not running", "killed or crashed", "sudo systemctl start palisaded", "sudo palisaded cleanup"}},
		{"stopped with a record, filter unreadable", true, keptblock.Unknown, exitBlocked, "blocked", []string{"Internet blocked", "(IPv4 and IPv6)", "kill switch always", "sudo palisaded cleanup"}},
		{"stale record", true, keptblock.Absent, exitFail, "not blocked", []string{"blocks nothing"}},
		{"cannot tell", false, keptblock.Unknown, exitFail, "unknown", []string{"cannot be told without administrator rights", "sudo palisaded cleanup"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := t.TempDir()
			if c.record {
				if err := keptblock.Write(state, rec); err != nil {
					t.Fatal(err)
				}
			}
			setProbe(t, c.probe, errors.New("operation not permitted"))
			base := []string{"--socket", filepath.Join(t.TempDir(), "none.sock"), "--state-dir", state}
			code, out, errw := runCLI(append(base, "status")...)
			if code != c.code || errw != "" {
				t.Errorf("status: exit %d (want %d), stderr %q", code, c.code, errw)
			}
			for _, s := range c.say {
				if !strings.Contains(out, s) {
					t.Errorf("status lacks %q:\n%s", s, out)
				}
			}
			code, out, _ = runCLI(append(base, "status", "--json")...)
			var d downStatus
			if err := json.Unmarshal([]byte(out), &d); err != nil || code != c.code || d.Internet != c.internet || d.Service != "not running" || (d.KeptBlock != nil) != c.record {
				t.Errorf("status --json: exit %d, %+v (%v), want internet %q", code, d, err, c.internet)
			}
			code, out, errw = runCLI(append(base, "check")...)
			if code != c.code || out != "" || !strings.Contains(errw, c.say[0]) {
				t.Errorf("check: exit %d (want %d), stdout %q, stderr:\n%s", code, c.code, out, errw)
			}
		})
	}
}
