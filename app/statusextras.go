package app

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
)

// controls lays out the status tab's bottom row: the profile picker, the
// big Connect/Disconnect button and Check.
func (p *statusPane) controls(button *widget.Button) fyne.CanvasObject {
	p.choice = widget.NewSelect(nil, func(name string) { p.picked = name })
	p.choice.PlaceHolder = "No profile"
	p.check = widget.NewButtonWithIcon("Check", theme.SearchIcon(), p.g.RunCheck)
	big := container.NewGridWrap(fyne.NewSize(220, 52), button)
	side := fyne.NewSize(150, 52)
	return container.NewCenter(container.NewHBox(
		container.NewGridWrap(side, container.NewCenter(container.NewGridWrap(fyne.NewSize(150, 38), p.choice))),
		big,
		container.NewGridWrap(side, container.NewCenter(container.NewGridWrap(fyne.NewSize(120, 38), p.check))),
	))
}

// newWelcome builds the first-run card: what to do without a profile, an
// import button, and the drop hint.
func (p *statusPane) newWelcome() *fyne.Container {
	title := widget.NewLabelWithStyle("Welcome to Palisade", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel("Import the WireGuard configuration (.conf) your VPN provider gave you. " +
		"Palisade then sends IPv4 and IPv6 through the tunnel, or blocks what the tunnel cannot carry.")
	text.Wrapping = fyne.TextWrapWord
	imp := widget.NewButtonWithIcon("Import .conf…", theme.FolderOpenIcon(), func() { p.g.profiles.chooseFile() })
	imp.Importance = widget.HighImportance
	drop := widget.NewLabel("or drop the file onto this window")
	drop.Importance = widget.LowImportance
	p.welcomeNote = widget.NewLabel("")
	p.welcomeNote.Wrapping = fyne.TextWrapWord
	p.welcomeNote.Hide()
	c := container.NewVBox(title, text, container.NewHBox(imp, drop, layout.NewSpacer()), p.welcomeNote)
	c.Hide()
	return c
}

// FirstRunShown tells whether the status tab greets a first run.
func (g *GUI) FirstRunShown() bool { return g.status.welcome.Visible() }

// setFirstRun shows the welcome card instead of the details and the
// connect controls while there is no profile.
func (p *statusPane) setFirstRun(on bool) {
	if on == p.welcome.Visible() {
		return
	}
	if on {
		p.welcome.Show()
		p.welcomeNote.Hide()
		p.details.Hide()
		p.bottom.Hide()
	} else {
		p.welcome.Hide()
		p.details.Show()
		p.bottom.Show()
	}
}

// welcomeSay shows an import's outcome on the welcome card, where a first
// run imports from.
func (p *statusPane) welcomeSay(s string, bad bool) {
	p.welcomeNote.Importance = widget.MediumImportance
	if bad {
		p.welcomeNote.Importance = widget.DangerImportance
	}
	setShown(p.welcomeNote, s)
}

// setChoice offers the profiles; the picker is locked while a session runs,
// since Connect would replace it.
func (p *statusPane) setChoice(c ProfileChoice, v view.View) {
	on := len(c.Names) > 0 && v.CanControl() && v.Action == view.ActionConnect
	if slices.Equal(c.Names, p.choice.Options) && c.Selected == p.choice.Selected && on != p.choice.Disabled() {
		return // nothing changed: no redraw
	}
	p.choice.Options = c.Names
	p.picked = c.Selected
	p.choice.Selected = c.Selected
	if on {
		p.choice.Enable()
	} else {
		p.choice.Disable()
	}
	p.choice.Refresh()
}
