package app

import (
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"

	"github.com/palisadevpn/palisade/service/profile"
)

// tabShown runs when the user picks a tab: the log is followed only while
// its tab is on screen, and the rate graph catches up when the status tab
// comes back.
func (g *GUI) tabShown(it *container.TabItem) {
	if root, ok := g.unseen[it.Text]; ok {
		delete(g.unseen, it.Text)
		it.Content = root
		g.tabs.Refresh()
	}
	if it.Text == "Logs" {
		g.logs.start()
	} else {
		g.logs.halt()
	}
	if it.Text == "Status" && g.shown {
		g.status.graph.show()
	}
}

// lazyTab is a tab whose pane joins the window only when the tab is first
// picked. The tabs measure every pane they hold, which lays the pane out and
// loads its fonts: the Logs tab's text grid alone loads the monospace face,
// about 7 MB of Go heap, and most sessions never open it.
func (g *GUI) lazyTab(name string, root fyne.CanvasObject) *container.TabItem {
	if g.unseen == nil {
		g.unseen = map[string]fyne.CanvasObject{}
	}
	g.unseen[name] = root
	return container.NewTabItem(name, container.NewStack())
}

// atLeastWide is a layout that gives its one object the whole space and
// asks for at least w of width.
type atLeastWide struct{ w float32 }

// MinSize is the object's minimum, widened to w.
func (l *atLeastWide) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	s.Width = max(s.Width, l.w)
	return s
}

// Layout gives the object all of size.
func (l *atLeastWide) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// measureWidth fixes the window's minimum width at its widest pane's, so
// the window opens as wide as it will ever need and does not widen when a
// wider tab is first picked. The panes not joined yet are measured once
// here (again on a theme change), not on every layout; the Logs pane is
// left out: it is narrower than Settings, and measuring its text grid
// would load the monospace face it keeps away.
func (g *GUI) measureWidth() {
	w := g.status.root.MinSize().Width
	for name, root := range g.unseen {
		if name != "Logs" {
			w = max(w, root.MinSize().Width)
		}
	}
	g.width.w = w
}

// onTab tells whether the named tab is the one on screen.
func (g *GUI) onTab(name string) bool {
	sel := g.tabs.Selected()
	return sel != nil && sel.Text == name
}

// dropped imports the WireGuard .conf files dropped onto the window, read
// as the user like a chosen file; anything else is named and left alone.
func (g *GUI) dropped(_ fyne.Position, uris []fyne.URI) {
	paths := make([]string, len(uris))
	for i, u := range uris {
		paths[i] = u.Path()
	}
	conf, other := DroppedProfiles(paths)
	if len(other) > 0 {
		g.profiles.say("Only WireGuard .conf files can be imported; left alone: "+strings.Join(other, ", ")+".", true)
	}
	for _, path := range conf {
		r, err := storage.Reader(storage.NewFileURI(path))
		if err != nil {
			g.profiles.say("Could not read "+path+": "+err.Error(), true)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(r, profile.MaxFileSize+1))
		r.Close()
		if err != nil {
			g.profiles.say("Could not read "+path+": "+err.Error(), true)
			continue
		}
		g.profiles.importText(path, string(data))
	}
}

// themeChanged repaints what carries colours of its own when the desktop
// switches between light and dark (Fyne follows the desktop's preference
// where it can read it: the XDG portal, macOS, Windows).
func (g *GUI) themeChanged() {
	g.measureWidth()
	g.render(g.view)
	if g.shown {
		g.status.graph.refresh()
	}
}
