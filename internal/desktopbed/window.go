package desktopbed

import (
	"fmt"
	"io"
	"log"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Display is a client connection to an X display, used to find, watch and
// close other programs' windows.
type Display struct {
	x    *xgb.Conn
	root xproto.Window
}

// OpenDisplay connects to the X display named like $DISPLAY (":N").
func OpenDisplay(name string) (*Display, error) {
	// xgb logs the missing ~/.Xauthority of a display that needs none.
	xgb.Logger = log.New(io.Discard, "", 0)
	x, err := xgb.NewConnDisplay(name)
	if err != nil {
		return nil, err
	}
	return &Display{x: x, root: xproto.Setup(x).DefaultScreen(x).Root}, nil
}

// Close disconnects.
func (d *Display) Close() { d.x.Close() }

// find returns the top-level windows titled title. Without a window manager
// they are the root's children.
func (d *Display) find(title string) ([]xproto.Window, error) {
	tree, err := xproto.QueryTree(d.x, d.root).Reply()
	if err != nil {
		return nil, err
	}
	var found []xproto.Window
	for _, w := range tree.Children {
		p, err := xproto.GetProperty(d.x, false, w, xproto.AtomWmName, xproto.AtomAny, 0, 256).Reply()
		if err == nil && string(p.Value) == title {
			found = append(found, w)
		}
	}
	return found, nil
}

// Mapped reports whether a window titled title is on screen.
func (d *Display) Mapped(title string) (bool, error) {
	ws, err := d.find(title)
	if err != nil {
		return false, err
	}
	for _, w := range ws {
		a, err := xproto.GetWindowAttributes(d.x, w).Reply()
		if err == nil && a.MapState == xproto.MapStateViewable {
			return true, nil
		}
	}
	return false, nil
}

// CloseWindow asks the mapped windows titled title to close, as a window
// manager's close button does: a WM_DELETE_WINDOW client message, which the
// program may intercept (hide instead of exit).
func (d *Display) CloseWindow(title string) error {
	ws, err := d.find(title)
	if err != nil {
		return err
	}
	protocols, err := d.atom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	del, err := d.atom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	sent := 0
	for _, w := range ws {
		if a, err := xproto.GetWindowAttributes(d.x, w).Reply(); err != nil || a.MapState != xproto.MapStateViewable {
			continue
		}
		ev := xproto.ClientMessageEvent{
			Format: 32, Window: w, Type: protocols,
			Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(del), uint32(xproto.TimeCurrentTime), 0, 0, 0}),
		}
		if err := xproto.SendEventChecked(d.x, false, w, xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
			return err
		}
		sent++
	}
	if sent == 0 {
		return fmt.Errorf("no window titled %q is on screen", title)
	}
	return nil
}

func (d *Display) atom(name string) (xproto.Atom, error) {
	r, err := xproto.InternAtom(d.x, true, uint16(len(name)), name).Reply()
	if err != nil {
		return 0, err
	}
	return r.Atom, nil
}
