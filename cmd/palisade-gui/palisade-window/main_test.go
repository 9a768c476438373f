package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// initOnly makes the test binary stop after the packages' init, where
// Fyne reads the locale.
const initOnly = "PALISADE_TEST_INIT_ONLY"

func TestMain(m *testing.M) {
	if os.Getenv(initOnly) != "" {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The window starts without Fyne's "Error parsing user locale" under the C
// locales a bare system has (Debian's C.UTF-8 above all) and under a
// locale with a modifier: fynelocale runs before Fyne's lang package.
func TestQuietUnderCLocale(t *testing.T) {
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "LANG" && k != "LANGUAGE" && !strings.HasPrefix(k, "LC_") {
			base = append(base, kv)
		}
	}
	for _, env := range []string{"", "LANG=C", "LANG=POSIX", "LANG=C.UTF-8", "LANG=C.utf8", "LC_ALL=C.UTF-8", "LANG=de_DE@euro", "LANG=en_US.UTF-8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(base, initOnly+"=1")
		if env != "" {
			cmd.Env = append(cmd.Env, env)
		}
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "Fyne error") {
			t.Errorf("start with %q: %v\n%s", env, err, out)
		}
	}
}
