package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPackageScripts checks every maintainer script parses as POSIX sh and
// is executable, since packaging tools copy the mode.
func TestPackageScripts(t *testing.T) {
	scripts := []string{
		"linux/postinst.sh", "linux/prerm.sh", "linux/postrm.sh",
		"darwin/scripts/preinstall", "darwin/scripts/postinstall",
	}
	for _, s := range scripts {
		fi, err := os.Stat(s)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
	}
}

// TestNfpmConfigPaths checks that the files nfpm.yaml names exist (paths are
// relative to the repository root, where packages.sh runs nfpm) and that the
// unit goes where systemd looks for packaged units.
func TestNfpmConfigPaths(t *testing.T) {
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	re := regexp.MustCompile(`(?m)^\s+(?:- src|postinstall|preremove|postremove): (\S+)$`)
	matches := re.FindAllStringSubmatch(cfg, -1)
	if len(matches) < 7 {
		t.Fatalf("found only %d file references in nfpm.yaml", len(matches))
	}
	for _, m := range matches {
		if strings.HasPrefix(m[1], "${") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("nfpm.yaml names a missing file: %v", err)
		}
	}
	for _, want := range []string{"dst: /usr/lib/systemd/system/" + SystemdUnitName, "dst: /usr/bin/palisaded", "# gui-begin", "# gui-end"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("nfpm.yaml lacks %q", want)
		}
	}
}

// TestWixlBuildsMSI builds the .msi from placeholder binaries and checks the
// service is registered by custom actions in the right order.
func TestWixlBuildsMSI(t *testing.T) {
	wixl, err := exec.LookPath("wixl")
	if err != nil {
		t.Skip("wixl not installed (scripts/deps.sh installs it)")
	}
	msiinfo, err := exec.LookPath("msiinfo")
	if err != nil {
		t.Skip("msiinfo not installed (scripts/deps.sh installs msitools)")
	}
	dir := t.TempDir()
	for _, b := range []string{"palisaded.exe", "palisade.exe"} {
		if err := os.WriteFile(filepath.Join(dir, b), []byte("MZ placeholder"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wxs, err := filepath.Abs("windows/palisade.wxs")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wixl, "-a", "x64", "-D", "Version=1.2.3", "-D", "BinDir=.", "-o", "palisade.msi", wxs)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wixl: %v\n%s", err, out)
	}
	out, err := exec.Command(msiinfo, "export", filepath.Join(dir, "palisade.msi"), "InstallExecuteSequence").Output()
	if err != nil {
		t.Fatal(err)
	}
	seq := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if n, err := strconv.Atoi(f[len(f)-1]); err == nil && len(f) == 3 {
			seq[f[0]] = n
		}
	}
	order := []string{"InstallValidate", "RemoveExistingProducts", "InstallInitialize", "ServiceStop", "ServiceUninstall",
		"RemoveFiles", "InstallFiles", "ServiceInstall", "ServiceStart", "InstallFinalize"}
	prev := ""
	for _, a := range order {
		if seq[a] == 0 {
			t.Fatalf("action %s missing from InstallExecuteSequence:\n%s", a, out)
		}
		if prev != "" && seq[a] <= seq[prev] {
			t.Errorf("%s (%d) is not after %s (%d)", a, seq[a], prev, seq[prev])
		}
		prev = a
	}
}
