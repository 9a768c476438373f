package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackagesRefuseMissingGUI runs scripts/packages.sh with the service and
// CLI but no palisade-gui: it must fail, name the missing file and build
// nothing, rather than quietly package the rest.
func TestPackagesRefuseMissingGUI(t *testing.T) {
	bin, dist := t.TempDir(), t.TempDir()
	dir := filepath.Join(bin, "linux-amd64")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"palisaded", "palisade"} {
		if err := os.WriteFile(filepath.Join(dir, b), []byte("stand-in"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "../scripts/packages.sh")
	cmd.Env = append(os.Environ(), "BIN="+bin, "DIST="+dist, "LINUX_ARCHES=amd64", "NOGUI_ARCHES=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), filepath.Join(dir, "palisade-gui")+" is missing") {
		t.Fatalf("packages.sh without palisade-gui: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(dist); len(left) != 0 {
		t.Errorf("packages.sh left %d files in DIST", len(left))
	}
}
