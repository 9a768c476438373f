package view

import (
	"bufio"
	"io"
	"strings"
)

// The window runs in a process of its own, the same program with --window,
// started by the tray process when the user asks for it and ended when the
// user closes it, so its memory (Fyne, GL, fonts) goes back with it. The
// tray talks to it over its standard input, which works alike on Linux,
// macOS and Windows: a line "show TAB" raises the window on a tab (TAB
// empty: the tab it has); the end of input (the tray quit or died) ends it.

// WindowFlag is the command line flag that runs the window process.
const WindowFlag = "--window"

// ShowRequest is the line that asks the window process to show tab.
func ShowRequest(tab string) string { return "show " + tab + "\n" }

// ParseRequest reads one line from the tray; ok is false for anything but
// a show request, which the window ignores (a newer tray's request).
func ParseRequest(line string) (tab string, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	if line == "show" {
		return "", true
	}
	return strings.CutPrefix(line, "show ")
}

// FollowRequests calls show for every show request read from in, and done
// once in ends.
func FollowRequests(in io.Reader, show func(tab string), done func()) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if tab, ok := ParseRequest(sc.Text()); ok {
			show(tab)
		}
	}
	done()
}
