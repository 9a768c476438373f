package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/settings"
)

// dnsList edits up to settings.MaxCustomDNS custom DNS servers, marking
// invalid entries as the user types.
type dnsList struct {
	root     *fyne.Container
	rows     *fyne.Container
	add      *widget.Button
	problem  *widget.Label
	boxes    []*widget.Entry
	errs     []*widget.Label
	enabled  bool
	onChange func()
}

func newDNSList(onChange func()) *dnsList {
	l := &dnsList{onChange: onChange, enabled: true}
	l.rows = container.NewVBox()
	l.add = widget.NewButtonWithIcon("Add server", theme.ContentAddIcon(), func() {
		l.append("")
		l.onChange()
	})
	l.problem = widget.NewLabel("")
	l.problem.Importance = widget.DangerImportance
	l.problem.Hide()
	title := widget.NewLabel("Custom servers (up to 4, IPv4 or IPv6)")
	l.root = container.NewVBox(title, l.rows, l.problem, container.NewHBox(l.add, layout.NewSpacer()))
	return l
}

// set replaces the rows with the given servers.
func (l *dnsList) set(servers []string) {
	l.boxes, l.errs = nil, nil
	l.rows.RemoveAll()
	for _, s := range servers {
		l.append(s)
	}
}

func (l *dnsList) append(text string) {
	if len(l.boxes) >= settings.MaxCustomDNS {
		return
	}
	e := widget.NewEntry()
	e.SetPlaceHolder("e.g. 9.9.9.9 or 2620:fe::fe")
	e.SetText(text)
	e.OnChanged = func(string) { l.onChange() }
	// A validator makes the entry draw its invalid state; show() then sets
	// the list-wide verdict, which also catches duplicates.
	e.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		_, err := settings.ParseDNSServer(s)
		return err
	}
	msg := widget.NewLabel("")
	msg.Importance = widget.DangerImportance
	msg.TextStyle = fyne.TextStyle{Italic: true}
	msg.Hide()
	var row *fyne.Container
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { l.remove(e) })
	row = container.NewVBox(container.NewBorder(nil, nil, nil, remove, e), msg)
	l.boxes = append(l.boxes, e)
	l.errs = append(l.errs, msg)
	l.rows.Add(row)
	if !l.enabled {
		e.Disable()
		remove.Disable()
	}
}

func (l *dnsList) remove(e *widget.Entry) {
	texts := []string{}
	for _, x := range l.boxes {
		if x != e {
			texts = append(texts, x.Text)
		}
	}
	l.set(texts)
	l.onChange()
}

func (l *dnsList) entries() []string {
	out := make([]string, len(l.boxes))
	for i, e := range l.boxes {
		out[i] = e.Text
	}
	return out
}

// show shows or hides the list and marks entries per check.
func (l *dnsList) show(visible bool, c DNSCheck) {
	if !visible {
		l.root.Hide()
		return
	}
	l.root.Show()
	for i, e := range l.boxes {
		if i >= len(c.Errors) {
			break
		}
		if c.Errors[i] == "" {
			e.SetValidationError(nil)
		} else {
			e.SetValidationError(errorString(c.Errors[i]))
		}
		setShown(l.errs[i], view.Sentence(c.Errors[i]))
	}
	setShown(l.problem, c.Problem)
	enable(l.add, l.enabled && len(l.boxes) < settings.MaxCustomDNS)
}

func (l *dnsList) setEnabled(on bool) {
	if l.enabled == on {
		return
	}
	l.enabled = on
	l.set(l.entries())
}

type errorString string

func (e errorString) Error() string { return string(e) }
