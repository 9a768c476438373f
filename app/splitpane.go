package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// Split tunnel mode choices, each explained in one line.
var (
	splitOptions = []string{
		"Off: every program uses the tunnel",
		"Bypass: the listed programs skip the tunnel",
		"VPN only: only the listed programs use the tunnel",
	}
	splitValues = []settings.SplitMode{settings.SplitOff, settings.SplitBypass, settings.SplitVPNOnly}
)

// splitPane is the "Split tunnel" tab: the mode, bypass DNS, and the
// programs, each change sent to the service at once.
type splitPane struct {
	g    *GUI
	root fyne.CanvasObject

	cur      settings.Split
	filling  bool
	usable   bool
	selected int

	note *widget.Label
	mode *widget.Select
	dns  *widget.Check
	list *widget.List
	// empty stands in for the list while it has no programs.
	empty    *widget.Label
	add      *widget.Button
	running  *widget.Button
	remove   *widget.Button
	message  *widget.Label
	controls []fyne.Disableable
}

func newSplitPane(g *GUI) *splitPane {
	p := &splitPane{g: g, selected: -1}
	p.note = widget.NewLabel("")
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Importance = widget.WarningImportance
	p.mode = widget.NewSelect(splitOptions, func(o string) {
		m := valueFor(splitOptions, splitValues, o, settings.SplitOff)
		p.change(func(s *settings.Split) error { s.Mode = m; return nil })
	})
	p.dns = widget.NewCheck("Bypass programs look names up at the system's DNS servers, outside the tunnel", func(on bool) {
		p.change(func(s *settings.Split) error { s.TunnelDNS = !on; return nil })
	})
	p.list = widget.NewList(func() int { return len(p.cur.Programs) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.cur.Programs[i]) })
	p.list.OnSelected = func(i widget.ListItemID) { p.selected = i; p.enable() }
	p.list.OnUnselected = func(widget.ListItemID) { p.selected = -1; p.enable() }
	p.add = widget.NewButton("Add program…", p.chooseFile)
	p.running = widget.NewButton("From running programs…", p.chooseRunning)
	p.remove = widget.NewButton("Remove", func() {
		i := p.selected
		p.change(func(s *settings.Split) error {
			if i >= 0 && i < len(s.Programs) {
				s.Programs = append(s.Programs[:i:i], s.Programs[i+1:]...)
			}
			return nil
		})
	})
	p.message = widget.NewLabel("")
	p.message.Wrapping = fyne.TextWrapWord
	p.empty = widget.NewLabel("")
	p.empty.Wrapping = fyne.TextWrapWord
	p.empty.Importance = widget.LowImportance
	p.controls = []fyne.Disableable{p.mode, p.dns, p.add, p.running, p.remove}
	top := container.NewVBox(p.note, heading("Mode"), p.mode, p.dns, heading("Programs"), p.empty)
	bottom := container.NewVBox(container.NewHBox(p.add, p.running, p.remove), p.message)
	p.root = container.NewPadded(container.NewBorder(top, bottom, nil, nil, p.list))
	p.fill(settings.Split{Mode: settings.SplitOff})
	return p
}

// update follows the status: whether the tab can be used at all, and by
// this user.
func (p *splitPane) update(st ipc.Status, v view.View) {
	ok, why := view.SplitAvailable(st)
	setShown(p.note, why) // on every push: only a change redraws; no blank line when there is none
	p.usable = ok && v.CanControl()
	p.enable()
}

func (p *splitPane) enable() {
	for _, c := range p.controls {
		enable(c, p.usable)
	}
	enable(p.remove, p.usable && p.selected >= 0)
}

// load reads the split tunnel settings from the service.
func (p *splitPane) load() {
	var s settings.Settings
	p.g.async(func(ctx context.Context) (err error) {
		s, err = p.g.client.Settings(ctx)
		return err
	}, func(err error) {
		if err != nil {
			p.show("", err)
			return
		}
		p.fill(s.Split)
	})
}

func (p *splitPane) fill(s settings.Split) {
	p.filling = true
	defer func() { p.filling = false }()
	p.cur = s
	p.mode.SetSelected(optionFor(splitOptions, splitValues, s.Normalized().Mode))
	p.dns.SetChecked(!s.TunnelDNS)
	p.selected = -1
	p.list.UnselectAll()
	p.list.Refresh()
	empty := ""
	if len(s.Programs) == 0 {
		empty = "No programs yet: add one with Add program… or From running programs…"
	}
	setShown(p.empty, empty)
	p.enable()
}

// change applies edit to the service's current settings (not to a copy
// that may be stale) and shows the result.
func (p *splitPane) change(edit func(*settings.Split) error) {
	if p.filling {
		return
	}
	var saved settings.Settings
	p.g.async(func(ctx context.Context) error {
		s, err := p.g.client.Settings(ctx)
		if err != nil {
			return err
		}
		if err := edit(&s.Split); err != nil {
			return err
		}
		saved, err = p.g.client.SetSettings(ctx, s)
		return err
	}, func(err error) {
		if err != nil {
			p.show("Not saved: ", err)
			p.load()
			return
		}
		// The settings tab sends its whole baseline: keep its split part current.
		p.g.settings.base.Split = saved.Split
		p.fill(saved.Split)
		p.show("Saved.", nil)
	})
}

func (p *splitPane) show(prefix string, err error) {
	p.message.Importance = widget.MediumImportance
	text := prefix
	if err != nil {
		p.message.Importance = widget.DangerImportance
		text += view.Explain(err, p.g.goos).Text()
	}
	p.message.SetText(text)
}

func (p *splitPane) addPath(path string) {
	p.change(func(s *settings.Split) (err error) {
		s.Programs, err = view.AddProgram(s.Programs, path)
		return err
	})
}

func (p *splitPane) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		p.addPath(path)
	}, p.g.win)
	d.Show()
}

func (p *splitPane) chooseRunning() {
	pick := widget.NewSelect(view.RunningPrograms("/proc"), nil)
	dialog.ShowForm("Add a running program", "Add", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Program", pick)}, func(ok bool) {
			if ok && pick.Selected != "" {
				p.addPath(pick.Selected)
			}
		}, p.g.win)
}
