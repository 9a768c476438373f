package app

import (
	"image"
	"math"
	"time"
)

// RateWindow is how much history the rate graph shows.
const RateWindow = time.Minute

// RatePoint is one measured pair of rates, in bytes per second.
type RatePoint struct {
	At     time.Time
	Rx, Tx float64
}

// RateHistory keeps the rates of the last RateWindow, one point per status
// push; older points are dropped as new ones arrive.
type RateHistory struct {
	pts []RatePoint
}

// Add records a point and forgets those that left the window.
func (h *RateHistory) Add(p RatePoint) {
	h.pts = append(h.pts, p)
	cut := 0
	for cut < len(h.pts) && p.At.Sub(h.pts[cut].At) > RateWindow {
		cut++
	}
	h.pts = append(h.pts[:0], h.pts[cut:]...)
}

// Reset forgets everything, e.g. when the tunnel goes down.
func (h *RateHistory) Reset() { h.pts = h.pts[:0] }

// Points returns the points, oldest first.
func (h *RateHistory) Points() []RatePoint { return h.pts }

// minTop is the graph's smallest scale. An idle WireGuard tunnel is not
// silent: keepalives (32-byte messages) and a handshake every two minutes
// make tens to a few hundred bytes per second. At 50 kB/s they stay under
// one pixel of the graph, so an idle tunnel draws one flat line, which is
// not redrawn every second as a scrolling blip would be; the legend still
// gives the exact rates.
const minTop = 50_000

// Top is the graph's upper bound: the smallest 1, 2 or 5 × 10ⁿ B/s at or
// above every rate shown, at least minTop.
func (h *RateHistory) Top() float64 {
	peak := 0.0
	for _, p := range h.pts {
		peak = max(peak, p.Rx, p.Tx)
	}
	top := float64(minTop)
	for top < peak {
		switch d := top / math.Pow(10, math.Floor(math.Log10(top))); {
		case d < 1.5:
			top *= 2
		case d < 3:
			top = top / 2 * 5
		default:
			top *= 2
		}
	}
	return top
}

// Plot maps the points to pixels in a w×h box: the right edge is now, the
// left edge RateWindow ago, the bottom 0 and the top top. A rate leaves the
// bottom row only once it fills a whole pixel, so what is too small to see
// does not move the picture. upload picks Tx instead of Rx.
func Plot(pts []RatePoint, now time.Time, w, h int, top float64, upload bool) []image.Point {
	out := make([]image.Point, 0, len(pts))
	for _, p := range pts {
		v := p.Rx
		if upload {
			v = p.Tx
		}
		age := now.Sub(p.At).Seconds() / RateWindow.Seconds()
		x := int(math.Round(float64(w-1) * (1 - age)))
		y := h - 1 - int(math.Floor(float64(h-1)*min(v/top, 1)))
		out = append(out, image.Pt(max(x, 0), y))
	}
	return out
}
