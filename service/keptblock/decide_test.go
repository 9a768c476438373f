package keptblock

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	rec := sample()
	running := sample()
	running.Stop, running.Why = StopNone, "the kill switch engaged (auto, armed)"
	eperm := errors.New("nftables: operation not permitted")
	for _, c := range []struct {
		name   string
		rec    *Record
		probe  Presence
		perr   error
		want   Verdict
		saying []string
	}{
		{"record, table present", &rec, Present, nil, Blocked,
			[]string{"blocked by Palisade's kill switch (IPv4 and IPv6; the local network stays reachable)", "Since 2026-11-27 01:02:03", "(stop)", "kill switch always", "sudo systemctl start palisaded", "sudo palisaded cleanup"}},
		{"killed: no record, table present", nil, Present, nil, Blocked,
			[]string{"blocked by Palisade's kill switch.", "killed or crashed", "sudo systemctl start palisaded", "sudo palisaded cleanup"}},
		{"killed: the running service's record, filter unreadable", &running, Unknown, eperm, Blocked,
			[]string{"killed or crashed", "in place since 2026-11-27 01:02:03, when the kill switch engaged (auto, armed)", "sudo palisaded cleanup"}},
		{"record, filter unreadable", &rec, Unknown, eperm, Blocked,
			[]string{"blocked by Palisade's kill switch", "from the service's record", "operation not permitted", "sudo palisaded cleanup"}},
		{"stale record after a reboot", &rec, Absent, nil, NotBlocked, []string{"blocks nothing"}},
		{"nothing", nil, Absent, nil, NotBlocked, []string{"blocks nothing"}},
		{"no record, filter unreadable", nil, Unknown, eperm, Unsure,
			[]string{"cannot be told without administrator rights (nftables: operation not permitted)", "sudo systemctl start palisaded", "sudo palisaded cleanup"}},
	} {
		f := Decide(c.rec, nil, c.probe, c.perr)
		text := strings.Join(f.Explain("linux", time.UTC), "\n")
		if f.Verdict != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, f.Verdict, c.want)
		}
		for _, s := range c.saying {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(s)) {
				t.Errorf("%s: text lacks %q:\n%s", c.name, s, text)
			}
		}
		wantHead := "Palisade service not running"
		if c.want == Blocked {
			wantHead = "Internet blocked: Palisade service not running"
		}
		if f.Headline() != wantHead {
			t.Errorf("%s: headline %q, want %q", c.name, f.Headline(), wantHead)
		}
	}
}

// The ways out name each OS's own commands, and a damaged record is said.
func TestExplainPerOS(t *testing.T) {
	f := Decide(nil, errors.New("kept-block.json: no time"), Unknown, nil)
	if got := strings.Join(f.Explain("linux", time.UTC), "\n"); !strings.Contains(got, "could not be read: kept-block.json: no time") {
		t.Errorf("damaged record not said:\n%s", got)
	}
	rec := sample()
	rec.Families, rec.LAN = []string{IPv6}, false
	for goos, want := range map[string][]string{
		"linux":   {"sudo systemctl start palisaded", "sudo palisaded cleanup"},
		"darwin":  {"sudo palisaded start", "sudo palisaded cleanup"},
		"windows": {"palisaded start (in an Administrator prompt)", "palisaded cleanup (in an Administrator prompt)"},
	} {
		text := strings.Join(Decide(&rec, nil, Present, nil).Explain(goos, time.UTC), "\n")
		for _, w := range append(want, "(IPv6)") {
			if !strings.Contains(text, w) {
				t.Errorf("%s: lacks %q:\n%s", goos, w, text)
			}
		}
	}
}
