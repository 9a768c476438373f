package app

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
)

// importConflict is the open question after an import was refused because
// its name is taken: replace the stored profile, import under another
// name, or leave both alone. Nothing is replaced without the user's word.
type importConflict struct {
	dialog  *dialog.CustomDialog
	replace *widget.Button
	rename  *widget.Button
	cancel  *widget.Button
	// newName is the entry of the "Import as new name…" form, once open.
	newName *dialog.FormDialog
	entry   *widget.Entry
}

// importText imports a profile's text read from path (the file chooser,
// the first-run card or a drop) under the file's name, or asks for a name
// when the file's cannot be one ("My VPN (1).conf", as browsers save a
// second download), offering one that can.
func (p *profilesPane) importText(path, text string) {
	file := path[strings.LastIndexAny(path, `/\`)+1:]
	name := profile.NameFromPath(path)
	if err := profile.ValidName(name); err != nil {
		p.conflict = &importConflict{}
		p.askNewName(p.conflict, file, profile.SuggestName(name), text,
			"“"+name+"” cannot be a profile name: use letters, digits, '.', '_' and '-'.")
		return
	}
	p.importAs(file, name, text, false)
}

// importAs imports text under name and reports the result; a taken name
// asks the user what to do.
func (p *profilesPane) importAs(file, name, text string, replace bool) {
	var resp ipc.ImportResponse
	p.g.async(func(ctx context.Context) (err error) {
		resp, err = ImportProfile(ctx, p.g.client, name, text, replace)
		return err
	}, func(err error) {
		switch {
		case err != nil && IsNameTaken(err) && !replace:
			p.askReplace(file, name, text)
		case err != nil:
			p.say("Could not import "+file+": "+view.Explain(err, p.g.goos).Text(), true)
		default:
			msg := "Imported " + file + " as “" + resp.Profile.Name + "”."
			if replace {
				msg = "Replaced “" + resp.Profile.Name + "” with " + file + "."
			}
			if len(resp.Warnings) > 0 {
				msg += " " + strings.Join(resp.Warnings, " ")
			}
			p.say(msg, false)
			p.load()
		}
	})
}

// askReplace asks whether to replace the stored profile called name.
func (p *profilesPane) askReplace(file, name, text string) {
	c := &importConflict{}
	msg := widget.NewLabel("A profile named “" + name + "” exists. Replace it? Its keys will be overwritten.")
	msg.Wrapping = fyne.TextWrapWord
	c.dialog = dialog.NewCustomWithoutButtons("Import "+file, msg, p.g.win)
	c.cancel = widget.NewButton("Cancel", func() {
		c.dialog.Hide()
		p.say("Not imported: “"+name+"” is kept as it was.", false)
	})
	c.rename = widget.NewButton("Import as new name…", func() {
		c.dialog.Hide()
		p.askNewName(c, file, name, text, "")
	})
	c.replace = widget.NewButton("Replace", func() {
		c.dialog.Hide()
		p.importAs(file, name, text, true)
	})
	c.replace.Importance = widget.DangerImportance
	c.dialog.SetButtons([]fyne.CanvasObject{c.cancel, c.rename, c.replace})
	c.dialog.Resize(fyne.NewSize(460, 0))
	p.conflict = c
	c.dialog.Show()
}

// askNewName asks for a name to import under, offering name if it is
// free and one like it if not; why, when not "", says why it asks.
func (p *profilesPane) askNewName(c *importConflict, file, name, text, why string) {
	taken := make([]string, 0, len(p.list)+1)
	for _, info := range p.list {
		taken = append(taken, info.Name)
	}
	if why == "" { // the service said so, whatever the list read before
		taken = append(taken, name)
	}
	if slices.Contains(taken, name) {
		name = freeName(name, taken)
	}
	c.newName, c.entry = p.askName("Import "+file+" as", "Name", "Import", name, why, func(name string) {
		p.importAs(file, name, text, false)
	})
}

// askName shows a form for a profile name, wide enough to read and edit
// one (Fyne sizes a form to its entry's few characters), checked as the
// user types; note, when not "", says above it why it asks.
func (p *profilesPane) askName(title, label, confirm, name, note string, ok func(string)) (*dialog.FormDialog, *widget.Entry) {
	entry := widget.NewEntry()
	entry.SetText(name)
	entry.Validator = profile.ValidName
	items := []*widget.FormItem{widget.NewFormItem(label, entry)}
	if note != "" {
		l := widget.NewLabel(note)
		l.Wrapping = fyne.TextWrapWord
		items = append([]*widget.FormItem{widget.NewFormItem("", l)}, items...)
	}
	d := dialog.NewForm(title, confirm, "Cancel", items, func(yes bool) {
		if yes {
			ok(strings.TrimSpace(entry.Text))
		}
	}, p.g.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
	return d, entry
}
