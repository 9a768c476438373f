package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPrermMarksRestartOnlyBeforeTheRestart runs prerm.sh with stand-ins
// for palisaded and systemctl that record their arguments. dpkg runs the
// old prerm ("upgrade") before the new postinst restarts the service, so
// prepare-restart counts for that restart. rpm runs the old %preun ($1 =
// 1) after the new %post has restarted it already: a marker written then
// would make a plain stop of the new process within ten minutes keep an
// armed block, leaving the user offline.
func TestPrermMarksRestartOnlyBeforeTheRestart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("maintainer scripts run on Linux")
	}
	script, err := filepath.Abs("linux/prerm.sh")
	if err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{
		"upgrade": "palisaded prepare-restart\n", // deb: before postinst's restart
		"1":       "",                            // rpm: after %post's restart
	} {
		bin := t.TempDir()
		calls := filepath.Join(bin, "calls")
		for _, name := range []string{"palisaded", "systemctl"} {
			stub := "#!/bin/sh\necho " + name + " \"$@\" >>" + calls + "\n"
			if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("sh", script, arg)
		cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:/bin")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("prerm %s: %v\n%s", arg, err, out)
		}
		got, err := os.ReadFile(calls)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("prerm %s ran %q, want %q", arg, strings.TrimSpace(string(got)), strings.TrimSpace(want))
		}
	}
}
