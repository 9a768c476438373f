// Command fynefloor is the smallest Fyne tray app: one window with one label
// and a tray icon with a menu, as palisade-gui has. The GUI benchmark runs it
// beside palisade-gui to show what Fyne itself costs at idle on the same
// display, the floor under anything the app does.
package main

import (
	"flag"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func main() {
	tick := flag.Bool("tick", false, "change the label's text every second, as a status line with a clock does")
	flag.Parse()
	a := fyneapp.NewWithID("com.palisadevpn.fynefloor")
	w := a.NewWindow("Fyne floor")
	label := widget.NewLabel("idle")
	w.SetContent(label)
	w.Resize(fyne.NewSize(560, 700))
	if d, ok := a.(desktop.App); ok {
		d.SetSystemTrayMenu(fyne.NewMenu("Fyne floor", fyne.NewMenuItem("Show window", w.Show)))
		d.SetSystemTrayIcon(theme.FyneLogo())
		d.SetSystemTrayWindow(w)
	}
	if *tick {
		go func() {
			for now := range time.Tick(time.Second) {
				fyne.Do(func() { label.SetText(now.Format(time.TimeOnly)) })
			}
		}()
	}
	w.Show()
	a.Run()
}
