package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
)

// RunCheck asks the service for a self-check and shows the report in a
// dialog over the window, as the status tab's Check button does. The button
// says "Checking…" meanwhile.
func (g *GUI) RunCheck() {
	b := g.status.check
	b.SetText("Checking…")
	b.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		r, err := g.client.Check(ctx)
		cancel()
		g.do(func() {
			b.SetText("Check")
			b.Enable()
			if err != nil {
				g.status.showRefusal(view.Explain(err, g.goos))
				return
			}
			g.lastCheck = r
			g.showCheck(r)
		})
	}()
}

// HideCheck closes the self-check report, if one is shown.
func (g *GUI) HideCheck() {
	if g.checkDialog != nil {
		g.checkDialog.Hide()
		g.checkDialog = nil
	}
}

// LastCheck returns the last self-check report shown.
func (g *GUI) LastCheck() ipc.CheckReport { return g.lastCheck }

// showCheck shows a report: its headline, then one row per item with a
// coloured mark, the item's title and its sentence.
func (g *GUI) showCheck(r ipc.CheckReport) {
	head, tone := CheckSummary(r)
	title := canvas.NewText(head, toneColor(tone))
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.TextSize = 16
	rows := container.NewVBox(title, widget.NewSeparator())
	for _, row := range CheckRows(r) {
		mark := canvas.NewText(row.Mark, toneColor(row.Tone))
		mark.TextStyle = fyne.TextStyle{Bold: true}
		mark.TextSize = 18
		text := widget.NewRichText(
			&widget.TextSegment{Text: row.Title + ": ", Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}}},
			&widget.TextSegment{Text: row.Detail, Style: widget.RichTextStyleInline},
		)
		text.Wrapping = fyne.TextWrapWord
		rows.Add(container.NewBorder(nil, nil, container.NewVBox(container.NewPadded(mark)), nil, text))
	}
	when := widget.NewLabel("Checked at " + r.Time.Local().Format("15:04:05") + ".")
	when.Importance = widget.LowImportance
	rows.Add(when)
	g.HideCheck()
	d := dialog.NewCustom("Self-check", "Close", container.NewVScroll(rows), g.win)
	g.checkDialog = d
	win := g.win.Canvas().Size()
	d.Resize(fyne.NewSize(max(win.Width-40, 360), max(win.Height-40, 400)))
	d.Show()
}
