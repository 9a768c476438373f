package spawn

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// selfExe is the running program's own file; exec'ing it starts a copy
// even after an update replaced the file on disk.
const selfExe = "/proc/self/exe"

// viaSelf is set by UseSelf: Command starts programs through a copy of
// the running program.
var viaSelf bool

// UseSelf makes Command start every program through a copy of the running
// program, which must call Helper first thing in main. Call it before
// anything starts a program (palisaded's main; a test's TestMain).
func UseSelf() { viaSelf = true }

// Command is exec.Command(name, args...), started through the helper once
// UseSelf was called: the program's exec then never holds a thread of this
// process. The helper finds name in PATH as exec.Command would.
func Command(name string, args ...string) *exec.Cmd {
	if !viaSelf {
		return exec.Command(name, args...)
	}
	return exec.Command(selfExe, append([]string{HelperArg, name}, args...)...)
}

// Helper returns at once unless args (os.Args) make this process a helper;
// then it replaces the process with the program they name, keeping its
// standard streams and environment, or exits 127 saying why it could not.
func Helper(args []string) {
	if len(args) < 3 || args[1] != HelperArg {
		return
	}
	path, err := exec.LookPath(args[2])
	if err == nil {
		err = syscall.Exec(path, args[2:], os.Environ())
	}
	fmt.Fprintf(os.Stderr, "palisaded: start %s: %v\n", args[2], err)
	os.Exit(127)
}
