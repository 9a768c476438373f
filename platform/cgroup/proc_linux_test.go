package cgroup

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"testing"
)

// TestProcHandle: a handle moves its live process and reads its program;
// once the process is reaped (its number free for another), the handle
// says so and moves nothing.
func TestProcHandle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups")
	}
	m, err := Find()
	if err != nil {
		t.Skipf("no cgroup2 here: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	rel := "palisade-proc-" + hex.EncodeToString(b)
	if err := m.Ensure(rel); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(m.Path(rel)) })
	c := exec.Command("sleep", "30")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Process.Kill()
		c.Wait()
	}()
	p, err := OpenProc(c.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if exe, err := p.Exe(); err != nil || exe != c.Path {
		t.Errorf("Exe = %q, %v; want %q", exe, err, c.Path)
	}
	if err := m.MoveProc(rel, p); err != nil {
		t.Fatal(err)
	}
	if g, err := p.Group(); err != nil || g != "/"+rel {
		t.Errorf("Group = %q, %v; want /%s", g, err, rel)
	}
	c.Process.Kill()
	c.Wait()
	if p.Alive() {
		t.Error("a reaped process is alive")
	}
	if err := m.MoveProc(rel, p); !errors.Is(err, ErrExited) {
		t.Errorf("MoveProc of a reaped process: %v, want ErrExited", err)
	}
	if _, err := p.Exe(); !errors.Is(err, ErrExited) {
		t.Errorf("Exe of a reaped process: %v, want ErrExited", err)
	}
}
