package installtest

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// iconSizes are the hicolor PNG sizes the package must carry.
var iconSizes = []int{16, 24, 32, 48, 64, 128, 256, 512}

// TestPackageContents checks what the .deb holds (the whole app: GUI,
// desktop entries, icons, AppStream data), that the desktop entries and
// metainfo validate, that the .rpm holds the same files and maintainer
// scripts, that the -nogui flavour is what it says, and that lintian finds
// no error and no warning docs/packaging.md does not explain.
func TestPackageContents(t *testing.T) {
	buildPackages(t)
	files := debFiles(t, built.deb)
	want := []string{
		"/usr/bin/palisaded", "/usr/bin/palisade", "/usr/bin/palisade-gui", "/usr/bin/palisade-window",
		"/usr/lib/systemd/system/palisaded.service", "/usr/lib/systemd/system/palisaded-early-block.service",
		"/usr/share/applications/com.palisadevpn.palisade.desktop",
		"/etc/xdg/autostart/palisade-gui.desktop",
		"/usr/share/metainfo/com.palisadevpn.palisade.metainfo.xml",
		"/usr/share/icons/hicolor/scalable/apps/palisade.svg",
		"/usr/share/doc/palisade/copyright", "/usr/share/doc/palisade/changelog.gz",
		"/usr/share/bash-completion/completions/palisade", "/usr/share/fish/vendor_completions.d/palisade.fish",
	}
	for _, n := range iconSizes {
		want = append(want, fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/palisade.png", n, n))
	}
	for _, f := range want {
		if !slices.Contains(files, f) {
			t.Errorf("the .deb lacks %s", f)
		}
	}

	root := t.TempDir()
	run(t, "dpkg-deb", "-x", built.deb, root)
	for _, n := range iconSizes {
		p := filepath.Join(root, fmt.Sprintf("usr/share/icons/hicolor/%dx%d/apps/palisade.png", n, n))
		if f, err := os.Open(p); err != nil {
			t.Error(err)
		} else {
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width != n || cfg.Height != n {
				t.Errorf("%s: %dx%d, %v", p, cfg.Width, cfg.Height, err)
			}
		}
	}
	for _, d := range []string{"usr/share/applications/com.palisadevpn.palisade.desktop", "etc/xdg/autostart/palisade-gui.desktop"} {
		if out, err := exec.Command("desktop-file-validate", filepath.Join(root, d)).CombinedOutput(); err != nil || bytes.Contains(out, []byte("error:")) {
			t.Errorf("desktop-file-validate %s: %v\n%s", d, err, out)
		}
	}
	if out, err := exec.Command("appstreamcli", "validate", "--no-net", filepath.Join(root, "usr/share/metainfo/com.palisadevpn.palisade.metainfo.xml")).CombinedOutput(); err != nil {
		t.Errorf("appstreamcli validate: %v\n%s", err, out)
	}
	meta, err := os.ReadFile(filepath.Join(root, "usr/share/metainfo/com.palisadevpn.palisade.metainfo.xml"))
	if v := run(t, "dpkg-deb", "-f", built.deb, "Version"); err != nil || !bytes.Contains(meta, []byte(`<release version="`+v+`" date="2`)) {
		t.Errorf("metainfo lacks the release %s: %v\n%s", v, err, meta)
	}
	if dep := run(t, "dpkg-deb", "-f", built.deb, "Depends"); !strings.HasPrefix(dep, "libc6 (>= 2.") {
		t.Errorf("Depends: %q, want libc6 for palisade-window", dep)
	}

	// The .rpm: same files (less lintian's), same scripts.
	rpmFiles := strings.Fields(run(t, "rpm", "-qp", "--qf", "[%{FILENAMES}\n]", built.rpm))
	debOnly := slices.DeleteFunc(slices.Clone(files), func(f string) bool { return strings.HasPrefix(f, "/usr/share/lintian/") })
	slices.Sort(rpmFiles)
	slices.Sort(debOnly)
	if !slices.Equal(rpmFiles, debOnly) {
		t.Errorf("file lists differ\n.rpm: %q\n.deb: %q", rpmFiles, debOnly)
	}
	control := t.TempDir()
	run(t, "dpkg-deb", "-e", built.deb, control)
	rpmScripts := run(t, "rpm", "-qp", "--scripts", built.rpm)
	for deb, rpm := range map[string]string{"postinst": "postinstall", "prerm": "preuninstall", "postrm": "postuninstall"} {
		body, err := os.ReadFile(filepath.Join(control, deb))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(rpmScripts, rpm+" scriptlet") || !strings.Contains(rpmScripts, strings.TrimSpace(string(body))) {
			t.Errorf("the .rpm's %s scriptlet is not the .deb's %s:\n%s", rpm, deb, rpmScripts)
		}
	}
	if n := strings.Count(rpmScripts, "scriptlet (using"); n != 3 {
		t.Errorf("the .rpm has %d scriptlets, want 3:\n%s", n, rpmScripts)
	}

	nogui := debFiles(t, built.nogui)
	if slices.Contains(nogui, "/usr/bin/palisade-gui") || slices.Contains(nogui, "/usr/bin/palisade-window") || !slices.Contains(nogui, "/usr/bin/palisaded") {
		t.Errorf("palisade-nogui holds %q", nogui)
	}
	if c := run(t, "dpkg-deb", "-f", built.nogui, "Conflicts"); c != "palisade" {
		t.Errorf("palisade-nogui conflicts with %q, want palisade", c)
	}

	checkLintian(t, built.deb)
}

// checkLintian runs lintian: no errors, and every warning's tag must be
// explained in docs/packaging.md.
func checkLintian(t *testing.T, deb string) {
	out, _ := exec.Command("lintian", "--tag-display-limit", "0", deb).CombinedOutput()
	doc, err := os.ReadFile("../../docs/packaging.md")
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile(`(?m)^([EW]): \S+: (\S+)`)
	for _, m := range tag.FindAllStringSubmatch(string(out), -1) {
		switch {
		case m[1] == "E":
			t.Errorf("lintian error %s", m[2])
		case !bytes.Contains(doc, []byte("`"+m[2]+"`")):
			t.Errorf("lintian warning %s is not explained in docs/packaging.md", m[2])
		}
	}
	if t.Failed() {
		t.Logf("lintian:\n%s", out)
	}
}

// debFiles lists the regular files of a .deb as absolute paths.
func debFiles(t *testing.T, deb string) []string {
	var files []string
	for _, line := range strings.Split(run(t, "dpkg-deb", "-c", deb), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && !strings.HasSuffix(f[5], "/") {
			files = append(files, strings.TrimPrefix(f[5], "."))
		}
	}
	return files
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}
