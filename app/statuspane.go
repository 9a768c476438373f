package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusPane is the window's first tab: what the tunnel is doing.
type statusPane struct {
	g    *GUI
	root fyne.CanvasObject

	dot     *canvas.Circle
	state   *canvas.Text
	problem *widget.Label
	note    *widget.Label
	button  *widget.Button
	action  Action
	fields  map[string]*widget.Label
	// refusal is the service's answer to the last click, kept on screen
	// until the state changes so periodic pushes do not wipe it.
	refusal   Problem
	lastState string
}

// statusFields are the rows of the details grid, in order.
var statusFields = []string{"Profile", "Endpoint", "IPv4", "IPv6", "Handshake", "Download", "Upload", "Kill switch", "DNS"}

func newStatusPane(g *GUI) *statusPane {
	p := &statusPane{g: g, fields: map[string]*widget.Label{}}
	p.dot = canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	p.state = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	p.state.TextSize = 24
	p.state.TextStyle = fyne.TextStyle{Bold: true}
	dot := container.NewGridWrap(fyne.NewSize(16, 16), p.dot)
	// Nudge the dot onto the text's optical centre and away from it.
	dot = container.New(layout.NewCustomPaddedLayout(3, 0, 4, 4), dot)
	header := container.NewHBox(container.NewCenter(dot), p.state)

	p.problem = widget.NewLabel("")
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Importance = widget.DangerImportance
	p.note = widget.NewLabel("")
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Importance = widget.WarningImportance

	grid := container.New(layout.NewFormLayout())
	for _, name := range statusFields {
		key := widget.NewLabelWithStyle(name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		val := widget.NewLabel("")
		val.Wrapping = fyne.TextWrapWord
		val.Selectable = true
		p.fields[name] = val
		grid.Add(key)
		grid.Add(val)
	}

	p.button = widget.NewButton("Connect", func() { g.act(p.action, "") })
	p.button.Importance = widget.HighImportance
	big := container.NewCenter(container.NewGridWrap(fyne.NewSize(260, 52), p.button))

	body := container.NewVBox(header, p.problem, p.note, widget.NewSeparator(), grid)
	p.root = container.NewBorder(nil, container.NewPadded(big), nil, nil,
		container.NewVScroll(container.NewPadded(body)))
	p.setRates("", "")
	return p
}

func toneColor(t Tone) color.Color {
	switch t {
	case ToneGood:
		return theme.Color(theme.ColorNameSuccess)
	case ToneBusy:
		return theme.Color(theme.ColorNameWarning)
	case ToneBad:
		return theme.Color(theme.ColorNameError)
	}
	return theme.Color(theme.ColorNameDisabled)
}

func (p *statusPane) update(v View) {
	p.dot.FillColor = toneColor(v.Tone)
	p.dot.Refresh()
	p.state.Text = v.State
	if v.Tone == ToneNeutral {
		p.state.Color = theme.Color(theme.ColorNameForeground)
	} else {
		p.state.Color = toneColor(v.Tone)
	}
	p.state.Refresh()
	if v.State != p.lastState {
		p.refusal = Problem{}
	}
	p.lastState = v.State
	if v.Problem.Text() != "" {
		p.showProblem(v.Problem)
	} else {
		p.showProblem(p.refusal)
	}
	setShown(p.note, v.ControlNote)

	values := map[string]string{
		"Profile": v.Profile, "Endpoint": v.Endpoint, "IPv4": v.IPv4, "IPv6": v.IPv6,
		"Handshake": v.Handshake, "Kill switch": v.KillSwitch, "DNS": v.DNS,
	}
	for name, val := range values {
		p.fields[name].SetText(val)
	}
	p.action = v.Action
	p.button.SetText(v.ActionLabel)
	p.button.Importance = widget.HighImportance
	if v.Action == ActionDisconnect {
		p.button.Importance = widget.MediumImportance
	}
	if v.ActionEnable {
		p.button.Enable()
	} else {
		p.button.Disable()
	}
	p.button.Refresh()
}

// setRates shows transfer rates; empty strings mean there is none to show.
func (p *statusPane) setRates(rx, tx string) {
	p.fields["Download"].SetText(orNone(rx))
	p.fields["Upload"].SetText(orNone(tx))
}

func (p *statusPane) showProblem(pr Problem) { setShown(p.problem, pr.Text()) }

// showRefusal shows why the service refused a click.
func (p *statusPane) showRefusal(pr Problem) {
	p.refusal = pr
	p.showProblem(pr)
}

// setShown sets a label's text and hides it when there is none.
func setShown(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}
