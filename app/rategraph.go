package app

import (
	"image"
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
)

// rateGraph is the status tab's live picture of the last minute's
// download and upload rates, with the current values and the session's
// totals. Samples are recorded as they come; the widgets are redrawn only
// by show, which the GUI calls while the window and the status tab are on
// screen, and only when a sample arrived since the last draw.
type rateGraph struct {
	root   *fyne.Container
	raster *canvas.Raster
	rx, tx *canvas.Text
	scale  *widget.Label
	totals *widget.Label

	hist RateHistory
	now  time.Time
	// empty: cleared and nothing added since, so clearing again is free.
	empty bool
	// live: a tunnel's counters came since the last clear; quiet: the last
	// push moved nothing (or was the first), so the service, which pushes
	// once more after every push that moved bytes, sends no other until
	// traffic or a handshake: the graph steps on its own clock meanwhile.
	live, quiet bool
	// dirty: recorded since the last show.
	dirty bool
	// the texts show puts up
	rxText, txText, scaleText, totalsText string
	// drawn is the picture last drawn, as its size and plotted points, so
	// show redraws the raster only when a new sample moves a line (a minute
	// of idle tunnel plots the same flat lines every second).
	drawn plotted
	// img is the last picture's buffer, reused while the size stays.
	img *image.RGBA
}

// plotted is what draw put on screen.
type plotted struct {
	w, h     int
	down, up []image.Point
}

// plot computes the lines for the current samples at w×h pixels.
func (r *rateGraph) plot(w, h int) plotted {
	p := plotted{w: w, h: h}
	if len(r.hist.Points()) > 0 && w >= 2 && h >= 2 {
		top := r.hist.Top()
		p.down = flatten(fromZero(edge(Plot(r.hist.Points(), r.now, w, h, top, false), w), h))
		p.up = flatten(fromZero(edge(Plot(r.hist.Points(), r.now, w, h, top, true), w), h))
	}
	return p
}

// edge starts a line at the left edge when its first sample is within two
// seconds of it: where exactly in those pixels a full minute's oldest sample
// falls depends on push jitter, and would move the picture every second.
func edge(pts []image.Point, w int) []image.Point {
	if len(pts) > 0 && float64(pts[0].X) < 2*float64(w-1)/RateWindow.Seconds() {
		pts[0].X = 0
	}
	return pts
}

// fromZero puts a line younger than the graph at zero from the left edge up
// to its first sample: the tunnel carried nothing before it came up. Drawn
// from its first sample instead, a fresh tunnel's line grew leftwards every
// second for a minute, redrawing the whole window each time even when idle.
func fromZero(pts []image.Point, h int) []image.Point {
	if len(pts) == 0 || pts[0].X == 0 {
		return pts
	}
	return append([]image.Point{{0, h - 1}, {pts[0].X, h - 1}}, pts...)
}

// flatten drops the points inside a horizontal run, which draw nothing a
// run's ends do not: an idle minute plots as one line whatever its samples.
func flatten(pts []image.Point) []image.Point {
	out := pts[:0:0]
	for i, p := range pts {
		if i > 0 && i < len(pts)-1 && pts[i-1].Y == p.Y && pts[i+1].Y == p.Y {
			continue
		}
		out = append(out, p)
	}
	return out
}

// flat tells whether both lines are level: time passing moves nothing.
func (p plotted) flat() bool { return level(p.down) && level(p.up) }

func level(pts []image.Point) bool {
	for _, q := range pts {
		if q.Y != pts[0].Y {
			return false
		}
	}
	return true
}

func (p plotted) equal(o plotted) bool {
	return p.w == o.w && p.h == o.h && slices.Equal(p.down, o.down) && slices.Equal(p.up, o.up)
}

func newRateGraph() *rateGraph {
	r := &rateGraph{}
	r.raster = canvas.NewRaster(r.draw)
	r.raster.SetMinSize(fyne.NewSize(200, 90))
	r.rx = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	r.tx = canvas.NewText("", theme.Color(theme.ColorNameSuccess))
	for _, t := range []*canvas.Text{r.rx, r.tx} {
		t.TextStyle = fyne.TextStyle{Bold: true}
	}
	r.scale = widget.NewLabel("")
	r.scale.Importance = widget.LowImportance
	r.totals = widget.NewLabel("")
	legend := container.NewHBox(r.rx, r.tx, layout.NewSpacer(), r.scale)
	r.root = container.NewVBox(legend, r.raster, r.totals)
	r.clear()
	r.refresh()
	return r
}

// add records a push's rates and totals; nothing is drawn until show.
func (r *rateGraph) add(now time.Time, rx, tx float64, rxTotal, txTotal uint64) {
	r.record(now, rx, tx)
	r.quiet = rx == 0 && tx == 0
	r.setTotals(rxTotal, txTotal)
}

// hold records a push that gave no rate: a tunnel's first, or one too soon
// after the last to measure. The first starts the graph's clock.
func (r *rateGraph) hold(now time.Time, rxTotal, txTotal uint64) {
	if !r.live {
		r.quiet = true
	}
	r.now, r.dirty = later(r.now, now), true
	r.setTotals(rxTotal, txTotal)
}

// idleStep records a local sample: no push came, so under ipc.IdleRate
// moved, which the graph draws as nothing and the legend as idle.
func (r *rateGraph) idleStep(now time.Time) { r.record(now, 0, 0) }

// nextStep is when the graph needs its next local sample: a second after
// its last one while the service is quiet and a line is not flat (or no
// rate was measured yet); two seconds after it when the last push moved
// bytes, whose follow-up push is due within one (a late push would
// otherwise draw a dip in flowing traffic). A flat graph needs none.
func (r *rateGraph) nextStep() (time.Time, bool) {
	if !r.live {
		return time.Time{}, false
	}
	if len(r.hist.Points()) > 0 && r.plot(r.size()).flat() {
		return time.Time{}, false
	}
	if r.quiet {
		return r.now.Add(time.Second), true
	}
	return r.now.Add(2 * time.Second), true
}

// size is the graph's size as last drawn, or its minimum before it is.
func (r *rateGraph) size() (w, h int) {
	if r.drawn.w > 0 {
		return r.drawn.w, r.drawn.h
	}
	m := r.raster.MinSize()
	return int(m.Width), int(m.Height)
}

func (r *rateGraph) record(now time.Time, rx, tx float64) {
	now = later(r.now, now)
	r.hist.Add(RatePoint{At: now, Rx: rx, Tx: tx})
	r.now, r.empty, r.dirty, r.live = now, false, true, true
	r.rxText = "↓ " + FormatRate(rx) + "   "
	r.txText = "↑ " + FormatRate(tx)
	r.scaleText = "last minute, top " + FormatRate(r.hist.Top())
}

func (r *rateGraph) setTotals(rxTotal, txTotal uint64) {
	r.live, r.empty = true, false
	r.totalsText = "This session: " + FormatBytes(rxTotal) + " received, " + FormatBytes(txTotal) + " sent"
}

// later is the later of two times: a push stamped just before a local
// step that ran first must not draw its point behind it.
func later(a, b time.Time) time.Time {
	if b.Before(a) {
		return a
	}
	return b
}

// clear empties the graph when the tunnel goes down.
func (r *rateGraph) clear() {
	if r.empty {
		return
	}
	r.empty, r.dirty, r.live = true, true, false
	r.now = time.Time{}
	r.hist.Reset()
	r.rxText, r.txText = "↓ "+view.None+"   ", "↑ "+view.None
	r.scaleText = "last minute"
	r.totalsText = "This session: nothing transferred yet"
}

// show draws what was recorded since the last show, if anything, touching
// only the texts that changed and the raster only when its lines moved.
func (r *rateGraph) show() {
	if !r.dirty {
		return
	}
	r.dirty = false
	for _, t := range []struct {
		obj  *canvas.Text
		text string
	}{{r.rx, r.rxText}, {r.tx, r.txText}} {
		if t.obj.Text != t.text {
			t.obj.Text = t.text
			t.obj.Refresh()
		}
	}
	setText(r.scale, r.scaleText)
	setText(r.totals, r.totalsText)
	if !r.plot(r.drawn.w, r.drawn.h).equal(r.drawn) {
		r.raster.Refresh()
	}
}

// refresh redraws everything, also after a theme change.
func (r *rateGraph) refresh() {
	r.dirty = false
	r.rx.Text, r.tx.Text = r.rxText, r.txText
	r.scale.Text, r.totals.Text = r.scaleText, r.totalsText
	r.rx.Color = theme.Color(theme.ColorNamePrimary)
	r.tx.Color = theme.Color(theme.ColorNameSuccess)
	r.rx.Refresh()
	r.tx.Refresh()
	r.scale.Refresh()
	r.totals.Refresh()
	r.raster.Refresh()
}

// draw renders the graph at w×h pixels: a frame, a half-scale line,
// download filled below its line, upload as a line. It writes the pixels
// straight into a buffer kept from the last draw of the same size: the
// graph is redrawn every second while traffic flows, and a new picture plus
// image.Set's colour conversion per pixel was most of what that cost.
func (r *rateGraph) draw(w, h int) image.Image {
	r.drawn = r.plot(w, h)
	if r.img == nil || r.img.Rect.Dx() != w || r.img.Rect.Dy() != h {
		r.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	img := r.img
	fillRows(img, premul(theme.Color(theme.ColorNameInputBackground)))
	grid := premul(theme.Color(theme.ColorNameSeparator))
	for x := range w {
		setPix(img, x, h/2, grid)
		setPix(img, x, h-1, grid)
	}
	if r.drawn.down == nil {
		return img
	}
	down := r.drawn.down
	fill := premul(withAlpha(theme.Color(theme.ColorNamePrimary), 0x50))
	for i := 1; i < len(down); i++ {
		a, b := down[i-1], down[i]
		for x := a.X; x <= b.X; x++ {
			y := a.Y
			if b.X != a.X {
				y = a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)
			}
			for yy := y; yy < h; yy++ {
				setPix(img, x, yy, fill)
			}
		}
	}
	polyline(img, down, premul(theme.Color(theme.ColorNamePrimary)))
	polyline(img, r.drawn.up, premul(theme.Color(theme.ColorNameSuccess)))
	return img
}

// premul is c as the premultiplied bytes an *image.RGBA holds.
func premul(c color.Color) color.RGBA { return color.RGBAModel.Convert(c).(color.RGBA) }

// fillRows paints the whole image c: one row pixel by pixel, the others
// copied from it.
func fillRows(img *image.RGBA, c color.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	for x := range w {
		setPix(img, x, 0, c)
	}
	row := img.Pix[:4*w]
	for y := 1; y < h; y++ {
		copy(img.Pix[y*img.Stride:], row)
	}
}

// setPix writes one pixel, replacing what was there (as image.Set does);
// points outside the image are left out.
func setPix(img *image.RGBA, x, y int, c color.RGBA) {
	if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
		return
	}
	i := y*img.Stride + 4*x
	img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
}

// polyline draws 2-pixel-thick straight segments between the points.
func polyline(img *image.RGBA, pts []image.Point, c color.RGBA) {
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		n := max(abs(b.X-a.X), abs(b.Y-a.Y), 1)
		for s := 0; s <= n; s++ {
			x := a.X + (b.X-a.X)*s/n
			y := a.Y + (b.Y-a.Y)*s/n
			setPix(img, x, y, c)
			setPix(img, x, y-1, c)
		}
	}
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
