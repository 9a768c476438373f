package app

import (
	"context"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/view"
)

// logBatch is how long new log lines are gathered before the tab shows
// them: a chatty service costs at most a few redraws a second.
const logBatch = 250 * time.Millisecond

// logsFirst is how many past lines the tab shows when it opens.
const logsFirst = 500

// logsPane is the window's Logs tab: the service log, followed live while
// the tab is on screen, with Copy and Save… for problem reports. Only
// authorized callers may read the log; others are told why not.
type logsPane struct {
	g    *GUI
	root fyne.CanvasObject

	grid   *widget.TextGrid
	scroll *container.Scroll
	note   *widget.Label
	copy   *widget.Button
	save   *widget.Button

	buf LogBuffer
	// stop ends the running follow; nil when none runs.
	stop func()
	// gen tells a stale follow's late batches from the current one's.
	gen int
}

func newLogsPane(g *GUI) *logsPane {
	p := &logsPane{g: g}
	p.grid = widget.NewTextGrid()
	// The pane scrolls the grid itself, which works before it is drawn.
	p.grid.Scroll = fyne.ScrollNone
	p.scroll = container.NewScroll(p.grid)
	p.note = widget.NewLabel("")
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Hide()
	p.copy = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		g.fyne.Clipboard().SetContent(p.buf.Text())
		p.say("Copied " + plural(p.buf.Len(), "line") + " to the clipboard.")
	})
	p.save = widget.NewButtonWithIcon("Save…", theme.DocumentSaveIcon(), p.saveAs)
	bar := container.NewHBox(p.copy, p.save)
	p.root = container.NewBorder(container.NewVBox(bar, p.note), nil, nil, nil, p.scroll)
	p.buttons()
	return p
}

// LogText returns the log lines the Logs tab holds.
func (g *GUI) LogText() string { return g.logs.buf.Text() }

// start follows the log from its last logsFirst lines; the tab calls it
// when it comes on screen.
func (p *logsPane) start() {
	p.halt()
	p.gen++
	gen := p.gen
	p.buf.Reset()
	p.grid.SetText("")
	p.buttons()
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	var mu sync.Mutex
	var pending []string
	flush := func() {
		mu.Lock()
		batch := pending
		pending = nil
		mu.Unlock()
		if len(batch) > 0 {
			p.g.do(func() { p.show(gen, batch) })
		}
	}
	go func() {
		tick := time.NewTicker(logBatch)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				flush()
			}
		}
	}()
	go func() {
		err := p.g.client.FollowLogs(ctx, logsFirst, func(line string) {
			mu.Lock()
			pending = append(pending, line)
			mu.Unlock()
		})
		flush()
		if ctx.Err() != nil {
			return
		}
		p.g.do(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.say(view.Explain(err, p.g.goos).Text())
			} else {
				p.say("The service closed the log stream (it may have restarted). Open this tab again to follow it.")
			}
		})
	}()
}

// release stops following and drops the lines (up to maxLogLines of text
// in the grid) when the window closes; the tab starts afresh when shown.
func (p *logsPane) release() {
	p.halt()
	if p.buf.Len() > 0 {
		p.buf.Reset()
		p.grid.SetText("")
		p.buttons()
	}
}

// halt stops following, when the tab leaves the screen.
func (p *logsPane) halt() {
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
}

func (p *logsPane) show(gen int, lines []string) {
	if gen != p.gen {
		return
	}
	p.buf.Append(lines...)
	p.grid.SetText(p.buf.Readable())
	p.scroll.ScrollToBottom()
	p.note.Hide()
	p.buttons()
}

func (p *logsPane) buttons() {
	enable(p.copy, p.buf.Len() > 0)
	enable(p.save, p.buf.Len() > 0)
}

func (p *logsPane) say(s string) { setShown(p.note, s) }

// saveAs writes the lines shown to a file the user picks.
func (p *logsPane) saveAs() {
	text := p.buf.Text()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		_, err = w.Write([]byte(text))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			p.say("Could not save the log: " + err.Error())
			return
		}
		p.say("Saved " + plural(p.buf.Len(), "line") + " to " + w.URI().Path() + ".")
	}, p.g.win)
	d.SetFileName("palisade-" + time.Now().Format("20060102-150405") + ".log")
	if home, err := os.UserHomeDir(); err == nil {
		if dir, err := storage.ListerForURI(storage.NewFileURI(home)); err == nil {
			d.SetLocation(dir)
		}
	}
	d.Resize(fyne.NewSize(640, 480))
	d.Show()
}
