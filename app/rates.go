package app

import (
	"fmt"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// minRateInterval keeps two pushes that arrive back to back from producing
// a wildly noisy rate.
const minRateInterval = 500 * time.Millisecond

// RateMeter turns successive byte counters into transfer rates.
type RateMeter struct {
	at     time.Time
	rx, tx uint64
	valid  bool
}

// Sample records counters seen at a moment and returns the rates in bytes per
// second since the previous sample. ok is false when there is no rate yet:
// on the first sample, after counters went backwards (a new tunnel), or when
// the samples are too close together to measure.
func (m *RateMeter) Sample(at time.Time, rx, tx uint64) (rxRate, txRate float64, ok bool) {
	if !m.valid || rx < m.rx || tx < m.tx || at.Before(m.at) {
		m.at, m.rx, m.tx, m.valid = at, rx, tx, true
		return 0, 0, false
	}
	dt := at.Sub(m.at)
	if dt < minRateInterval {
		return 0, 0, false
	}
	rxRate = float64(rx-m.rx) / dt.Seconds()
	txRate = float64(tx-m.tx) / dt.Seconds()
	m.at, m.rx, m.tx = at, rx, tx
	return rxRate, txRate, true
}

// Reset forgets the previous sample, e.g. when the tunnel goes down.
func (m *RateMeter) Reset() { *m = RateMeter{} }

// idleBelow is the rate, and the total's step, under which the legend does
// not count bytes (ipc.IdleRate: WireGuard's own keepalives and handshakes,
// which no user acts on, and under which the service's rates stream stops
// pushing the counters).
const idleBelow = ipc.IdleRate

// FormatRate writes a rate in bytes per second with a decimal unit, as the
// legend shows it: anything under 1 kB/s as "< 1 kB/s".
func FormatRate(bps float64) string {
	if bps < idleBelow {
		return "< 1 kB/s"
	}
	return decimal(bps, []string{"B/s", "kB/s", "MB/s", "GB/s"})
}

// FormatBytes writes a byte count with a decimal unit, as the session's
// totals show it: in whole kB (rounded down) under 1 MB, so that WireGuard's
// own keepalives (about 5 B/s each way on an idle tunnel) change it only
// every few minutes, and to three digits from 1 MB up (100 kB steps and up).
func FormatBytes(n uint64) string {
	switch {
	case n < idleBelow:
		return "< 1 kB"
	case n < 1_000_000:
		return fmt.Sprintf("%d kB", n/1000)
	}
	return decimal(float64(n), []string{"B", "kB", "MB", "GB", "TB"})
}

// decimal scales v by thousands to the largest unit that keeps it at 1 or
// more: whole numbers for plain units and from 100 up, else one decimal.
func decimal(v float64, units []string) string {
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 || v >= 100 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
