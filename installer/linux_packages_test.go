package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackagesRefuseMissingGUI runs scripts/packages.sh with the service and
// CLI but no palisade-gui, then with the tray but no palisade-window (the
// window it starts): it must fail, name the missing file and build
// nothing, rather than quietly package the rest.
func TestPackagesRefuseMissingGUI(t *testing.T) {
	for _, c := range []struct {
		have    []string
		missing string
	}{
		{[]string{"palisaded", "palisade"}, "palisade-gui"},
		{[]string{"palisaded", "palisade", "palisade-gui"}, "palisade-window"},
	} {
		bin, dist := t.TempDir(), t.TempDir()
		dir := filepath.Join(bin, "linux-amd64")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range c.have {
			if err := os.WriteFile(filepath.Join(dir, b), []byte("stand-in"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("bash", "../scripts/packages.sh")
		cmd.Env = append(os.Environ(), "BIN="+bin, "DIST="+dist, "LINUX_ARCHES=amd64", "NOGUI_ARCHES=")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), filepath.Join(dir, c.missing)+" is missing") {
			t.Fatalf("packages.sh without %s: %v\n%s", c.missing, err, out)
		}
		if left, _ := os.ReadDir(dist); len(left) != 0 {
			t.Errorf("packages.sh without %s left %d files in DIST", c.missing, len(left))
		}
	}
}
