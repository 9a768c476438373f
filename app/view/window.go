package view

import (
	"bufio"
	"io"
	"path/filepath"
	"strings"
)

// The window runs in a process of its own, a program of its own
// (WindowProgram, the only one that links Fyne), started by the tray process when the user asks for it and ended when the
// user closes it, so its memory (Fyne, GL, fonts) goes back with it. The
// tray talks to it over its standard input, which works alike on Linux,
// macOS and Windows: a line "show TAB" raises the window on a tab (TAB
// empty: the tab it has); the end of input (the tray quit or died) ends it.

// The two programs of the GUI. The tray is what the autostart entries, the
// LaunchAgent, the Run key and the applications menu start, as before the
// window had a program of its own, so upgrades keep working.
const (
	TrayProgram   = "palisade-gui"
	WindowProgram = "palisade-window"
)

// Sibling is the path of the program name installed beside exe, a running
// program's resolved path: the packages put the tray and the window in one
// directory (/usr/bin, the app bundle's Contents/MacOS, the MSI's install
// folder). goos adds the .exe on Windows.
func Sibling(exe, name, goos string) string {
	if goos == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(exe), name)
}

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
