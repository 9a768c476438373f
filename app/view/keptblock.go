package view

import (
	"strings"
	"time"

	"github.com/palisadevpn/palisade/service/keptblock"
)

// KeptBlockView is ServiceDownView for what keptblock found: when
// Palisade's kill switch still blocks the internet with the service down,
// the state says so, the problem says what is blocked and the ways out, and
// WayOut holds the whole explanation (since when, why) for the tray's
// "How to get back online" entry. Otherwise it is ServiceDownView as is.
func KeptBlockView(err error, goos string, f keptblock.Finding, loc *time.Location) View {
	v := ServiceDownView(err, goos)
	if f.Verdict != keptblock.Blocked {
		return v
	}
	lines := f.Explain(goos, loc)
	v.State = f.Headline()
	v.Problem = Problem{
		Summary: lines[0],
		Action:  "Start the service (" + keptblock.StartCommand(goos) + "), or remove the block with “" + keptblock.CleanupCommand(goos) + "”.",
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	v.WayOut = strings.Join(lines, "\n")
	return v
}
