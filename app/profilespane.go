package app

import (
	"context"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
)

// profilesPane lists, imports, renames and removes profiles.
type profilesPane struct {
	g       *GUI
	root    fyne.CanvasObject
	rows    *fyne.Container
	message *widget.Label
	imp     *widget.Button
	list    []ipc.ProfileInfo
	control bool
	// failed says why the list could not be read, until it is read.
	failed string
	// conflict is the last import refused for a taken name, while the
	// user decides.
	conflict *importConflict
	// renaming is the entry of the last rename asked for.
	renaming *widget.Entry
}

func newProfilesPane(g *GUI) *profilesPane {
	p := &profilesPane{g: g}
	p.rows = container.NewVBox()
	p.message = widget.NewLabel("")
	p.message.Wrapping = fyne.TextWrapWord
	p.message.Hide()
	p.imp = widget.NewButtonWithIcon("Import .conf…", theme.FolderOpenIcon(), p.chooseFile)
	p.imp.Importance = widget.HighImportance
	top := container.NewBorder(nil, nil, nil, p.imp, heading("Profiles"))
	p.root = container.NewBorder(container.NewPadded(container.NewVBox(top, p.message)), nil, nil, nil,
		container.NewVScroll(container.NewPadded(p.rows)))
	return p
}

// load fetches the profile list.
func (p *profilesPane) load() {
	if !p.g.listed && p.failed != "" {
		p.failed = "" // asking again: back to loading
		p.render()
	}
	var list []ipc.ProfileInfo
	p.g.async(func(ctx context.Context) (err error) {
		list, err = p.g.client.Profiles(ctx)
		return err
	}, func(err error) {
		if err != nil && p.g.listed {
			p.say(view.Explain(err, p.g.goos).Text(), true) // the list shown stays
			return
		}
		if err != nil {
			p.unreadable(err)
			return
		}
		p.failed = ""
		p.list = list
		p.g.setProfiles(list)
		p.render()
	})
}

func (p *profilesPane) setControl(v view.View) {
	enable(p.imp, v.CanControl())
	if p.control != v.CanControl() {
		p.control = v.CanControl()
		p.render()
	}
}

// unreadable shows why the list could not be read, in place of the list.
func (p *profilesPane) unreadable(err error) {
	failed := "Could not read the profiles: " + view.Explain(err, p.g.goos).Text()
	if failed != p.failed { // the service's retries while down redraw nothing
		p.failed = failed
		p.render()
	}
}

// listPlaceholder is what the pane shows instead of rows: loading until the
// service first answers (an empty pane would claim there are no profiles),
// why it cannot be asked, or that it has none; "" when there are rows.
func listPlaceholder(listed bool, failed string, n int) string {
	switch {
	case !listed && failed != "":
		return failed
	case !listed:
		return "Loading profiles…"
	case n == 0:
		return "No profiles yet. Import a WireGuard .conf file from your VPN provider."
	}
	return ""
}

func (p *profilesPane) render() {
	p.rows.RemoveAll()
	if s := listPlaceholder(p.g.listed, p.failed, len(p.list)); s != "" {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		p.rows.Add(l)
		return
	}
	for _, info := range p.list {
		p.rows.Add(p.row(info))
		p.rows.Add(widget.NewSeparator())
	}
}

func (p *profilesPane) row(info ipc.ProfileInfo) fyne.CanvasObject {
	title := info.Name
	if info.Name == p.g.last.Profile && p.g.up && p.g.last.State != ipc.Disconnected {
		title += "  (in use)"
	} else if info.LastUsed {
		title += "  (last used)"
	}
	name := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	detail := widget.NewLabel(profileDetail(info))
	detail.Wrapping = fyne.TextWrapWord
	use := widget.NewButtonWithIcon("Connect", theme.MediaPlayIcon(), func() { p.g.act(view.ActionConnect, info.Name) })
	rename := widget.NewButtonWithIcon("Rename", theme.DocumentCreateIcon(), func() { p.askRename(info.Name) })
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { p.askRemove(info.Name) })
	for _, b := range []*widget.Button{use, rename, remove} {
		enable(b, p.control)
	}
	buttons := container.NewHBox(layout.NewSpacer(), use, rename, remove)
	return container.NewVBox(name, detail, buttons)
}

func profileDetail(info ipc.ProfileInfo) string {
	lines := []string{"Addresses: " + view.OrNone(strings.Join(info.Addresses, ", "))}
	lines = append(lines, "Endpoint: "+view.OrNone(strings.Join(info.Endpoints, ", ")))
	if len(info.DNS) > 0 {
		lines = append(lines, "DNS: "+strings.Join(info.DNS, ", "))
	}
	return strings.Join(lines, "\n")
}

func (p *profilesPane) say(s string, bad bool) {
	p.message.Importance = widget.MediumImportance
	if bad {
		p.message.Importance = widget.DangerImportance
	}
	setShown(p.message, s)
	p.g.status.welcomeSay(s, bad)
}

func (p *profilesPane) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, profile.MaxFileSize+1))
		if err != nil {
			p.say("Could not read "+r.URI().Name()+": "+err.Error(), true)
			return
		}
		p.importText(r.URI().Path(), string(data))
	}, p.g.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".conf"}))
	d.Resize(fyne.NewSize(640, 480))
	d.Show()
}

func (p *profilesPane) askRename(from string) {
	_, p.renaming = p.askName("Rename profile "+from, "New name", "Rename", from, "", func(to string) { p.rename(from, to) })
}

func (p *profilesPane) rename(from, to string) {
	p.g.async(func(ctx context.Context) error {
		return RenameProfile(ctx, p.g.client, from, to)
	}, func(err error) {
		if err != nil {
			p.say("Could not rename "+from+": "+view.Explain(err, p.g.goos).Text(), true)
		} else {
			p.say("Renamed “"+from+"” to “"+to+"”.", false)
		}
		p.load()
	})
}

func (p *profilesPane) askRemove(name string) {
	dialog.ShowConfirm("Remove profile", "Remove “"+name+"”? Its keys are deleted from this computer.", func(ok bool) {
		if ok {
			p.remove(name)
		}
	}, p.g.win)
}

func (p *profilesPane) remove(name string) {
	p.g.async(func(ctx context.Context) error {
		return p.g.client.RemoveProfile(ctx, name)
	}, func(err error) {
		if err != nil {
			p.say("Could not remove "+name+": "+view.Explain(err, p.g.goos).Text(), true)
		} else {
			p.say("Removed “"+name+"”.", false)
		}
		p.load()
	})
}
