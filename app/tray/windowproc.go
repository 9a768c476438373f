package tray

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"

	"github.com/palisadevpn/palisade/app/view"
)

// windowProc starts the window process and passes it later requests; at
// most one runs at a time.
type windowProc struct {
	// exe is this program; args run its window mode.
	exe  string
	args []string
	// exited runs after the window process ended.
	exited func()

	mu  sync.Mutex
	in  io.WriteCloser // the running window's standard input; nil if None
	cmd *exec.Cmd
}

func newWindowProc(exe, socket string, exited func()) *windowProc {
	return &windowProc{exe: exe, args: []string{view.WindowFlag, "--socket", socket}, exited: exited}
}

// show raises the window on tab, starting its process if None runs.
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
