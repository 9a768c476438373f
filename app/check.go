package app

import (
	"fmt"
	"time"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
)

// checkTimeout bounds the self-check request: the service's probes end
// within about 15 s (DNS and the outside test run side by side).
const checkTimeout = 40 * time.Second

// CheckRow is one self-check item as the window shows it.
type CheckRow struct {
	Mark   string // ✓ ! ? ✗ –
	Title  string
	Detail string
	Tone   view.Tone
}

// CheckRows turns a report into rows, in the service's order.
func CheckRows(r ipc.CheckReport) []CheckRow {
	rows := make([]CheckRow, 0, len(r.Items))
	for _, it := range r.Items {
		row := CheckRow{Title: it.Title, Detail: it.Detail}
		switch it.Status {
		case ipc.CheckOK:
			row.Mark, row.Tone = "✓", view.ToneGood
		case ipc.CheckWarn:
			row.Mark, row.Tone = "!", view.ToneBusy
		case ipc.CheckTimeout:
			row.Mark, row.Tone = "?", view.ToneBad
		case ipc.CheckFail:
			row.Mark, row.Tone = "✗", view.ToneBad
		default:
			row.Mark, row.Tone = "–", view.ToneNeutral
		}
		rows = append(rows, row)
	}
	return rows
}

// CheckSummary is the report's headline and its tone.
func CheckSummary(r ipc.CheckReport) (string, view.Tone) {
	n := map[ipc.CheckStatus]int{}
	for _, it := range r.Items {
		n[it.Status]++
	}
	switch {
	case n[ipc.CheckFail] > 0:
		return fmt.Sprintf("%s found: traffic may leave outside the tunnel.", plural(n[ipc.CheckFail], "problem")), view.ToneBad
	case n[ipc.CheckTimeout] > 0:
		return fmt.Sprintf("%s could not be verified in time: run the check again.", plural(n[ipc.CheckTimeout], "item")), view.ToneBad
	case n[ipc.CheckWarn] > 0:
		return fmt.Sprintf("No leak, but %s.", plural(n[ipc.CheckWarn], "warning")), view.ToneBusy
	case n[ipc.CheckOK] == 0:
		return "Nothing to check while disconnected.", view.ToneNeutral
	}
	return fmt.Sprintf("All %d checks passed: both IPv4 and IPv6 are protected.", n[ipc.CheckOK]), view.ToneGood
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
