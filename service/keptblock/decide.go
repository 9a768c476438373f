package keptblock

import (
	"fmt"
	"strings"
	"time"
)

// Presence is what a look at the packet filter found of Palisade's rules.
type Presence int

const (
	// Unknown: the filter could not be read (not root or Administrator,
	// or no such filter here).
	Unknown Presence = iota
	// Present: Palisade's table, anchor or filters are installed.
	Present
	// Absent: the filter was read and holds nothing of Palisade's.
	Absent
)

// Verdict is what a user should be told about their connection while the
// service does not answer.
type Verdict int

const (
	// NotBlocked: Palisade blocks nothing.
	NotBlocked Verdict = iota
	// Blocked: Palisade's kill switch blocks the internet.
	Blocked
	// Unsure: no record, and the filter could not be read.
	Unsure
)

// Finding is the decision with what it rests on, for the message.
type Finding struct {
	Verdict Verdict
	// Record is the stopped service's record, when one was read.
	Record *Record
	// Probe is what the filter showed; ProbeErr why it could not be read,
	// RecordErr why the record could not.
	Probe     Presence
	ProbeErr  error
	RecordErr error
}

// Decide combines the record (nil when there is none) and the look at the
// filter. The filter, when it could be read, is the truth: a block without a
// record was left by a service that did not stop cleanly (killed, crashed),
// and a record without a block is stale (a reboot clears nftables and pf).
// When the filter cannot be read, a record is believed.
func Decide(rec *Record, recErr error, probe Presence, probeErr error) Finding {
	f := Finding{Record: rec, Probe: probe, ProbeErr: probeErr, RecordErr: recErr}
	switch {
	case probe == Present:
		f.Verdict = Blocked
	case probe == Absent:
		f.Verdict = NotBlocked
	case rec != nil:
		f.Verdict = Blocked
	default:
		f.Verdict = Unsure
	}
	return f
}

// StartCommand is how a user starts the service on goos.
func StartCommand(goos string) string {
	switch goos {
	case "windows":
		return "palisaded start (in an Administrator prompt), or start “Palisade” in Services"
	case "darwin":
		return "sudo palisaded start"
	}
	return "sudo systemctl start palisaded"
}

// CleanupCommand is how a user removes the block by hand on goos.
func CleanupCommand(goos string) string {
	if goos == "windows" {
		return "palisaded cleanup (in an Administrator prompt)"
	}
	return "sudo palisaded cleanup"
}

// Headline is the one line a tray or a status line shows.
func (f Finding) Headline() string {
	if f.Verdict == Blocked {
		return "Internet blocked: Palisade service not running"
	}
	return "Palisade service not running"
}

// Explain is the text that says what blocks and the ways out, in lines
// without a trailing newline; times are shown in loc.
func (f Finding) Explain(goos string, loc *time.Location) []string {
	switch f.Verdict {
	case NotBlocked:
		return []string{"Palisade's kill switch blocks nothing: the internet is reachable without the VPN."}
	case Unsure:
		lines := []string{"Whether Palisade's kill switch still blocks the internet cannot be told without administrator rights" + reason(f.ProbeErr) + "."}
		if f.RecordErr != nil {
			lines = append(lines, "Its record could not be read: "+f.RecordErr.Error()+".")
		}
		return append(lines,
			"If the internet is unreachable, the ways out are:",
			"  start the service:  "+StartCommand(goos),
			"  or lift the block:  "+CleanupCommand(goos))
	}
	lines := []string{"The internet is blocked by Palisade's kill switch" + f.covers() + "."}
	switch r := f.Record; {
	case r != nil && r.Stop == StopNone:
		lines = append(lines, fmt.Sprintf("The service ended without stopping cleanly (it was killed or crashed); the block has been in place since %s, when %s.",
			r.Since.In(loc).Format("2006-01-02 15:04:05"), strings.TrimSuffix(r.Why, ".")))
	case r != nil:
		lines = append(lines, fmt.Sprintf("Since %s: the service stopped (%s) and kept the block: %s.",
			r.Since.In(loc).Format("2006-01-02 15:04:05"), r.Stop, strings.TrimSuffix(r.Why, ".")))
	default:
		lines = append(lines, "The service ended without stopping cleanly (it was killed or crashed) and left the block in place.")
	}
	if f.Probe == Unknown {
		lines = append(lines, "(From the service's record; the packet filter itself could not be read"+reason(f.ProbeErr)+".)")
	}
	return append(lines,
		"Two ways out:",
		"  start the service (it takes the block over):  "+StartCommand(goos),
		"  or remove the block:                           "+CleanupCommand(goos))
}

// covers says which families the record lists and whether the LAN is open.
func (f Finding) covers() string {
	r := f.Record
	if r == nil {
		return ""
	}
	names := make([]string, len(r.Families))
	for i, fam := range r.Families {
		names[i] = map[string]string{IPv4: "IPv4", IPv6: "IPv6"}[fam]
	}
	s := " (" + strings.Join(names, " and ")
	if r.LAN {
		s += "; the local network stays reachable"
	}
	return s + ")"
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// String is the verdict as `palisade status --json` gives it.
func (v Verdict) String() string {
	switch v {
	case Blocked:
		return "blocked"
	case NotBlocked:
		return "not blocked"
	}
	return "unknown"
}
