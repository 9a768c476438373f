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
	g.render(g.view)
	if g.shown {
		g.status.graph.refresh()
	}
}
