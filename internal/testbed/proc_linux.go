package testbed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopTimeout bounds how long a process gets to exit after SIGTERM.
const stopTimeout = 10 * time.Second

// proc is a child process with its exit observable by several waiters.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // valid after done is closed
}

// startProc starts args with stdout and stderr appended to logPath.
func startProc(logPath string, args ...string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group keeps a terminal's Ctrl-C from reaching it before
	// the bed's cleanup can stop it in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, then SIGKILL after stopTimeout, and returns the exit
// error: nil only for a clean exit within the timeout.
func (p *proc) stop() error {
	if p.exited() {
		return p.err
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(stopTimeout):
	}
	p.cmd.Process.Kill()
	<-p.done
	return errors.Join(fmt.Errorf("pid %d ignored SIGTERM for %v", p.cmd.Process.Pid, stopTimeout), p.err)
}

// kill sends SIGKILL and waits for the exit.
func (p *proc) kill() error {
	if !p.exited() {
		p.cmd.Process.Kill()
	}
	<-p.done
	return p.err
}
