package app

import (
	"image"
	"image/color"
	"image/draw"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
	// dirty: recorded since the last show.
	dirty bool
	// the texts show puts up
	rxText, txText, scaleText, totalsText string
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

// add records a sample; nothing is drawn until show.
func (r *rateGraph) add(now time.Time, rx, tx float64, rxTotal, txTotal uint64) {
	r.hist.Add(RatePoint{At: now, Rx: rx, Tx: tx})
	r.now, r.empty, r.dirty = now, false, true
	r.rxText = "↓ " + FormatRate(rx) + "   "
	r.txText = "↑ " + FormatRate(tx)
	r.scaleText = "last minute, top " + FormatRate(r.hist.Top())
	r.totalsText = "This session: " + FormatBytes(rxTotal) + " received, " + FormatBytes(txTotal) + " sent"
}

// clear empties the graph when the tunnel goes down.
func (r *rateGraph) clear() {
	if r.empty {
		return
	}
	r.empty, r.dirty = true, true
	r.hist.Reset()
	r.rxText, r.txText = "↓ "+none+"   ", "↑ "+none
	r.scaleText = "last minute"
	r.totalsText = "This session: nothing transferred yet"
}

// show draws what was recorded since the last show, if anything.
func (r *rateGraph) show() {
	if r.dirty {
		r.refresh()
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
// download filled below its line, upload as a line.
func (r *rateGraph) draw(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(theme.Color(theme.ColorNameInputBackground)), image.Point{}, draw.Src)
	grid := theme.Color(theme.ColorNameSeparator)
	for x := range w {
		img.Set(x, h/2, grid)
		img.Set(x, h-1, grid)
	}
	if len(r.hist.Points()) == 0 || w < 2 || h < 2 {
		return img
	}
	top := r.hist.Top()
	down := Plot(r.hist.Points(), r.now, w, h, top, false)
	fill := withAlpha(theme.Color(theme.ColorNamePrimary), 0x50)
	for i := 1; i < len(down); i++ {
		a, b := down[i-1], down[i]
		for x := a.X; x <= b.X; x++ {
			y := a.Y
			if b.X != a.X {
				y = a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)
			}
			for yy := y; yy < h; yy++ {
				img.Set(x, yy, fill)
			}
		}
	}
	polyline(img, down, theme.Color(theme.ColorNamePrimary))
	polyline(img, Plot(r.hist.Points(), r.now, w, h, top, true), theme.Color(theme.ColorNameSuccess))
	return img
}

// polyline draws 2-pixel-thick straight segments between the points.
func polyline(img *image.RGBA, pts []image.Point, c color.Color) {
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		n := max(abs(b.X-a.X), abs(b.Y-a.Y), 1)
		for s := 0; s <= n; s++ {
			x := a.X + (b.X-a.X)*s/n
			y := a.Y + (b.Y-a.Y)*s/n
			img.Set(x, y, c)
			img.Set(x, y-1, c)
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
