package spawn

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestMain makes the test binary a helper too, as palisaded's main does.
func TestMain(m *testing.M) {
	Helper(os.Args)
	UseSelf()
	os.Exit(m.Run())
}

// TestCommandThroughHelper: a program started through the helper gets its
// arguments, standard input and environment, its output comes back, its
// exit status is its own, and it really ran in the helper's place (its
// parent is this process, its executable the program, not the helper).
func TestCommandThroughHelper(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	c := Command("sh", "-c", `read line; echo "$0 $line $SPAWN_TEST $PPID"; readlink /proc/$$/exe; exit 3`, "arg")
	if c.Path != selfExe {
		t.Fatalf("started %s, want the helper %s", c.Path, selfExe)
	}
	c.Stdin = strings.NewReader("input\n")
	c.Env = append(os.Environ(), "SPAWN_TEST=env")
	out, err := c.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v, want status 3 (output %q)", err, out)
	}
	real, err := os.Readlink(selfExe)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := "arg input env " + strconv.Itoa(os.Getpid())
	if len(lines) != 2 || lines[0] != want || lines[1] == real {
		t.Fatalf("output %q, want %q then the shell's own executable (sh is %s, the helper %s)", out, want, sh, real)
	}
}

// TestHelperMissingProgram: a program that is not there fails with status
// 127 and a message naming it, as a shell would.
func TestHelperMissingProgram(t *testing.T) {
	var stderr bytes.Buffer
	c := Command("palisade-no-such-program", "x")
	c.Stderr = &stderr
	err := c.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 127 {
		t.Fatalf("exit: %v, want status 127", err)
	}
	if !strings.Contains(stderr.String(), "start palisade-no-such-program") {
		t.Fatalf("message %q does not name the program", stderr.String())
	}
}
