package installtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testenv"
)

// built is what buildPackages made, once per test binary.
var built struct {
	once  sync.Once
	err   error
	dir   string // shared into the container: packages, peer helper
	deb   string // the full .deb
	rpm   string // the full .rpm
	nogui string // the palisade-nogui .deb
}

// buildPackages builds the binaries as `make packages` does and runs
// scripts/packages.sh on them, the full flavour and the -nogui one, plus
// the static peer helper. It skips the test when not root or a tool is
// missing (scripts/deps.sh installs them all).
func buildPackages(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds packages and boots containers")
	}
	for _, tool := range []string{"systemd-nspawn", "debootstrap", "nsenter", "dpkg-deb", "rpm", "lintian", "rsvg-convert", "objdump"} {
		testenv.NeedTool(t, tool, "it")
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "palisade-installtest-")
		if built.err != nil {
			return
		}
		built.err = build(built.dir)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
}

func build(dir string) error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	arch := runtime.GOARCH
	bin := filepath.Join(dir, "bin", "linux-"+arch)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	steps := []struct {
		env  []string
		args []string
	}{
		{[]string{"CGO_ENABLED=0"}, []string{"go", "build", "-ldflags=-s -w", "-o", bin + "/", "./cmd/palisaded", "./cmd/palisade", "./cmd/palisade-gui"}},
		{nil, []string{"go", "build", "-ldflags=-s -w", "-o", bin + "/", "./cmd/palisade-gui/palisade-window"}},
		{[]string{"CGO_ENABLED=0"}, []string{"go", "build", "-o", dir + "/", "./internal/installtest/peer"}},
		{[]string{"BIN=" + filepath.Join(dir, "bin"), "DIST=" + dir, "LINUX_ARCHES=" + arch, "NOGUI_ARCHES=" + arch},
			[]string{"bash", "scripts/packages.sh"}},
	}
	for _, s := range steps {
		cmd := exec.CommandContext(ctx, s.args[0], s.args[1:]...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), s.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return &stepError{strings.Join(s.args, " "), err, tail(out, 4000)}
		}
	}
	glob := func(pattern string) string {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(m) != 1 {
			return ""
		}
		return m[0]
	}
	built.deb, built.rpm, built.nogui = glob("palisade_*.deb"), glob("palisade-[0-9]*.rpm"), glob("palisade-nogui_*.deb")
	if built.deb == "" || built.rpm == "" || built.nogui == "" {
		ls, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ls {
			names = append(names, e.Name())
		}
		return &stepError{"packages.sh", os.ErrNotExist, "expected one palisade .deb, .rpm and palisade-nogui .deb, have " + strings.Join(names, " ")}
	}
	return nil
}

type stepError struct {
	step string
	err  error
	out  string
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() + "\n" + e.out }

// TestMain removes what buildPackages made once every test is done.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
