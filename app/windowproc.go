package app

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// The window runs in a process of its own, the same program with --window,
// started by the tray process when the user asks for it and ended when the
// user closes it, so its memory (Fyne, GL, fonts) goes back with it. The
// tray talks to it over its standard input, which works alike on Linux,
// macOS and Windows: a line "show TAB" raises the window on a tab (TAB
// empty: the tab it has); the end of input (the tray quit or died) ends it.

// WindowFlag is the command line flag that runs the window process.
const WindowFlag = "--window"

// showRequest is the line that asks the window process to show tab.
func showRequest(tab string) string { return "show " + tab + "\n" }

// parseRequest reads one line from the tray; ok is false for anything but
// a show request, which the window ignores (a newer tray's request).
func parseRequest(line string) (tab string, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	if line == "show" {
		return "", true
	}
	return strings.CutPrefix(line, "show ")
}

// followRequests calls show for every show request read from in, and done
// once in ends.
func followRequests(in io.Reader, show func(tab string), done func()) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if tab, ok := parseRequest(sc.Text()); ok {
			show(tab)
		}
	}
	done()
}

// windowProc starts the window process and passes it later requests; at
// most one runs at a time.
type windowProc struct {
	// exe is this program; args run its window mode.
	exe  string
	args []string
	// exited runs after the window process ended.
	exited func()

	mu  sync.Mutex
	in  io.WriteCloser // the running window's standard input; nil if none
	cmd *exec.Cmd
}

func newWindowProc(exe, socket string, exited func()) *windowProc {
	return &windowProc{exe: exe, args: []string{WindowFlag, "--socket", socket}, exited: exited}
}

// show raises the window on tab, starting its process if none runs.
func (w *windowProc) show(tab string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.in != nil {
		if _, err := io.WriteString(w.in, showRequest(tab)); err == nil {
			return
		}
		// It is ending (closed a moment ago): start another.
	}
	args := append(append([]string(nil), w.args...), "--tab", tab)
	cmd := exec.Command(w.exe, args...)
	if os.Stderr != nil { // nil in a Windows GUI program without a console
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	in, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		slog.Error("starting the window", "err", err)
		return
	}
	slog.Info("window started", "pid", cmd.Process.Pid, "tab", tab)
	w.in, w.cmd = in, cmd
	go w.wait(cmd)
}

// wait reaps the window process and forgets it.
func (w *windowProc) wait(cmd *exec.Cmd) {
	err := cmd.Wait()
	slog.Info("window ended", "pid", cmd.Process.Pid, "err", err)
	w.mu.Lock()
	if w.cmd == cmd {
		w.in.Close()
		w.in, w.cmd = nil, nil
	}
	w.mu.Unlock()
	if w.exited != nil {
		w.exited()
	}
}

// close ends the window process, if one runs, by ending its input.
func (w *windowProc) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.in != nil {
		w.in.Close()
	}
}
