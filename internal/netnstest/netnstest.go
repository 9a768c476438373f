// Package netnstest lets a root-only test run part of itself inside a fresh,
// private network namespace: the test binary re-executes itself there, so
// every socket, address and rule the child creates stays off the host.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const childEnv = "PALISADE_NETNS_CHILD"

// Rerun creates a namespace with lo up, runs each setup as `ip -n NS ARGS...`,
// then runs the test named child of this binary inside it and fails t with
// the child's output if the child fails. It skips t when not root.
func Rerun(t *testing.T, child string, setup ...[]string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	b := make([]byte, 4)
	rand.Read(b)
	ns := "palisade-test-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	for _, args := range append([][]string{{"link", "set", "lo", "up"}}, setup...) {
		if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip -n %s %v: %v: %s", ns, args, err, out)
		}
	}
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^"+child+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+child)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in %s failed: %v\n%s", ns, err, out)
	}
	// A skipped or missing child would pass silently otherwise.
	if !strings.Contains(string(out), "--- PASS: "+child+" ") {
		t.Fatalf("child %s did not run and pass in %s:\n%s", child, ns, out)
	}
	t.Logf("child output:\n%s", out)
}

// Child skips t unless it is running inside Rerun.
func Child(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("runs only inside its parent test's network namespace")
	}
}
