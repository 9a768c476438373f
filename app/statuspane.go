package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
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
	action  view.Action
	fields  map[string]*widget.Label
	// splitKey is the "Split tunnel" row's name, hidden with its value
	// while the split tunnel is off.
	splitKey *widget.Label
	// refusal is the service's answer to the last click, kept on screen
	// until the state changes so periodic pushes do not wipe it.
	refusal   view.Problem
	lastState string

	// check runs the self-check; choice picks the profile Connect uses.
	check  *widget.Button
	choice *widget.Select
	picked string
	// welcome greets a first run: no profile yet, how to get one.
	welcome     *fyne.Container
	welcomeNote *widget.Label
	graph       *rateGraph
	// details and bottom make way for the welcome on a first run.
	details, bottom fyne.CanvasObject
}

// statusFields are the rows of the details grid, in order.
var statusFields = []string{"Profile", "Endpoint", "IPv4", "IPv6", "Handshake", "Kill switch", "Split tunnel", "DNS"}

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
		if name == "Split tunnel" {
			p.splitKey = key
			key.Hide()
			val.Hide()
		}
		grid.Add(key)
		grid.Add(val)
	}

	p.button = widget.NewButton("Connect", func() { g.act(p.action, p.picked) })
	p.button.Importance = widget.HighImportance
	big := p.controls(p.button)
	p.welcome = p.newWelcome()
	p.graph = newRateGraph()

	p.details = container.NewVBox(widget.NewSeparator(), grid, widget.NewSeparator(), p.graph.root)
	body := container.NewVBox(header, p.problem, p.note, p.welcome, p.details)
	p.bottom = container.NewPadded(big)
	p.root = container.NewBorder(nil, p.bottom, nil, nil,
		container.NewVScroll(container.NewPadded(body)))
	return p
}

func toneColor(t view.Tone) color.Color {
	switch t {
	case view.ToneGood:
		return theme.Color(theme.ColorNameSuccess)
	case view.ToneBusy:
		return theme.Color(theme.ColorNameWarning)
	case view.ToneBad:
		return theme.Color(theme.ColorNameError)
	}
	return theme.Color(theme.ColorNameDisabled)
}

// update shows v, touching only the widgets whose content changed (a
// refreshed widget is laid out and redrawn even when nothing moved), and
// returns how many it touched.
func (p *statusPane) update(v view.View) (touched int) {
	dot := toneColor(v.Tone)
	state := dot
	if v.Tone == view.ToneNeutral {
		state = theme.Color(theme.ColorNameForeground)
	}
	if p.dot.FillColor != dot {
		p.dot.FillColor = dot
		p.dot.Refresh()
		touched++
	}
	if p.state.Text != v.State || p.state.Color != state {
		p.state.Text, p.state.Color = v.State, state
		p.state.Refresh()
		touched++
	}
	if v.State != p.lastState {
		p.refusal = view.Problem{}
	}
	p.lastState = v.State
	if v.Problem.Text() != "" {
		touched += p.showProblem(v.Problem)
	} else {
		touched += p.showProblem(p.refusal)
	}
	touched += setShown(p.note, v.ControlNote)
	if t := setShown(p.fields["Split tunnel"], v.Split); t > 0 {
		if v.Split == "" {
			p.splitKey.Hide()
		} else {
			p.splitKey.Show()
		}
		touched += t
	}

	for name, val := range map[string]string{
		"Profile": v.Profile, "Endpoint": v.Endpoint, "IPv4": v.IPv4, "IPv6": v.IPv6,
		"Handshake": v.Handshake, "Kill switch": v.KillSwitch, "DNS": v.DNS,
	} {
		touched += setText(p.fields[name], val)
	}
	importance := widget.HighImportance
	if v.Action == view.ActionDisconnect {
		importance = widget.MediumImportance
	}
	p.action = v.Action
	if p.button.Text != v.ActionLabel || p.button.Importance != importance || p.button.Disabled() == v.ActionEnable {
		p.button.Text, p.button.Importance = v.ActionLabel, importance
		enable(p.button, v.ActionEnable)
		p.button.Refresh()
		touched++
	}
	return touched
}

func (p *statusPane) showProblem(pr view.Problem) int { return setShown(p.problem, pr.Text()) }

// showRefusal shows why the service refused a click.
func (p *statusPane) showRefusal(pr view.Problem) {
	p.refusal = pr
	p.showProblem(pr)
}

// setText sets a label's text if it changed, and returns 1 if it did.
func setText(l *widget.Label, text string) int {
	if l.Text == text {
		return 0
	}
	l.SetText(text)
	return 1
}

// setShown sets a label's text and hides it when there is none; it returns
// 1 if anything changed.
func setShown(l *widget.Label, text string) int {
	if l.Text == text && l.Visible() == (text != "") {
		return 0
	}
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
	return 1
}
