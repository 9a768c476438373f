package tray

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"sync"

	"github.com/palisadevpn/palisade/app/view"
)

// windowProc starts the window program and passes it later requests; at
// most one runs at a time.
type windowProc struct {
	// program is the window program (view.WindowProgram beside the tray's
	// own); args are its arguments but the tab.
	program string
	args    []string
	// exited runs after the window process ended; failed when it could not
	// start, with the note that tells the user.
	exited func()
	failed func(view.Note)
	log    *slog.Logger

	mu  sync.Mutex
	in  io.WriteCloser // the running window's standard input; nil if none
	cmd *exec.Cmd
}

// newWindowProc runs the window program found beside tray, the tray's own
// resolved path, on goos, against the service's socket and state directory.
func newWindowProc(tray, goos, socket, stateDir string, exited func(), failed func(view.Note)) *windowProc {
	return &windowProc{
		program: view.Sibling(tray, view.WindowProgram, goos),
		args:    []string{"--socket", socket, "--state-dir", stateDir},
		exited:  exited,
		failed:  failed,
		log:     slog.Default(),
	}
}

// show raises the window on tab, starting its process if none runs.
func (w *windowProc) show(tab string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.in != nil {
		if _, err := io.WriteString(w.in, view.ShowRequest(tab)); err == nil {
			return
		}
		// It is ending (closed a moment ago): start another.
	}
	args := append(append([]string(nil), w.args...), "--tab", tab)
	cmd := exec.Command(w.program, args...)
	if os.Stderr != nil { // nil in a Windows GUI program without a console
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	in, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		w.log.Error("starting the window failed", "program", w.program, "err", err)
		w.failed(windowFailedNote(w.program, err))
		return
	}
	w.log.Info("window started", "pid", cmd.Process.Pid, "tab", tab)
	w.in, w.cmd = in, cmd
	go w.wait(cmd)
}

// wait reaps the window process and forgets it.
func (w *windowProc) wait(cmd *exec.Cmd) {
	err := cmd.Wait()
	w.log.Info("window ended", "pid", cmd.Process.Pid, "err", err)
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

// windowFailedNote tells the user why the window did not open: the tray
// has no other place to say it. A missing window program is a broken or
// partial install (or a tray copied out of its directory).
func windowFailedNote(program string, err error) view.Note {
	const title = "Palisade could not open its window"
	if errors.Is(err, fs.ErrNotExist) {
		return view.Note{Title: title, Body: program + " is missing. Reinstall Palisade."}
	}
	return view.Note{Title: title, Body: "Starting " + program + " failed: " + err.Error()}
}
