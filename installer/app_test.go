package installer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/assets"
)

// parsePlist reads a plist's top-level dictionary with encoding/xml: string
// values as themselves, <true/> and <false/> as "true" and "false".
func parsePlist(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var doc struct {
		Dict struct {
			Items []struct {
				XMLName xml.Name
				Text    string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("plist does not parse: %v", err)
	}
	out := map[string]string{}
	items := doc.Dict.Items
	for i := 0; i+1 < len(items); i += 2 {
		k, v := items[i], items[i+1]
		if k.XMLName.Local != "key" {
			t.Fatalf("plist: <%s> where a <key> belongs", k.XMLName.Local)
		}
		switch v.XMLName.Local {
		case "true", "false":
			out[k.Text] = v.XMLName.Local
		default:
			out[k.Text] = v.Text
		}
	}
	return out
}

func TestAppInfoPlist(t *testing.T) {
	s, err := AppInfoPlist("1.4.2+git.abc")
	if err != nil {
		t.Fatal(err)
	}
	p := parsePlist(t, []byte(s))
	for k, want := range map[string]string{
		"LSUIElement":                "true",
		"CFBundleExecutable":         AppExecutable,
		"CFBundleIdentifier":         "com.palisadevpn.palisade",
		"CFBundlePackageType":        "APPL",
		"CFBundleIconFile":           "palisade.icns",
		"CFBundleShortVersionString": "1.4.2",
		"CFBundleVersion":            "1.4.2",
	} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q", k, p[k], want)
		}
	}
	for _, bad := range []string{"", "v1", "1.2.3.4", "1.2</string>"} {
		if _, err := AppInfoPlist(bad); err == nil {
			t.Errorf("version %q accepted", bad)
		}
	}
}

func TestICNS(t *testing.T) {
	icns, err := ICNS(assets.AppIconPNG)
	if err != nil {
		t.Fatal(err)
	}
	if string(icns[:4]) != "icns" || int(binary.BigEndian.Uint32(icns[4:8])) != len(icns) {
		t.Fatalf("bad icns header % x (len %d)", icns[:8], len(icns))
	}
	var types []string
	for off := 8; off < len(icns); {
		n := int(binary.BigEndian.Uint32(icns[off+4 : off+8]))
		if n < 8 || off+n > len(icns) {
			t.Fatalf("entry at %d has length %d", off, n)
		}
		if !bytes.Equal(icns[off+8:off+n], assets.AppIconPNG) {
			t.Errorf("entry %s does not hold the app icon PNG", icns[off:off+4])
		}
		types = append(types, string(icns[off:off+4]))
		off += n
	}
	if got := strings.Join(types, ","); got != "ic08,ic13" {
		t.Errorf("icns types %s, want ic08,ic13 for a 256-pixel icon", got)
	}
	if _, err := ICNS([]byte("GIF89a")); err == nil {
		t.Error("a non-PNG icon was accepted")
	}
	var odd bytes.Buffer
	if err := png.Encode(&odd, image.NewRGBA(image.Rect(0, 0, 100, 100))); err != nil {
		t.Fatal(err)
	}
	if _, err := ICNS(odd.Bytes()); err == nil {
		t.Error("a 100-pixel icon, which has no icns type, was accepted")
	}
}

// TestPkgRootLayout runs scripts/pkgroot.sh on stand-in binaries and checks
// the tarball: the .app layout with a parseable Info.plist, the binaries
// and the uninstall script where the .pkg installs them, executable.
func TestPkgRootLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds installer/render")
	}
	bin, dist := t.TempDir(), t.TempDir()
	for arch, names := range map[string][]string{"arm64": {"palisaded", "palisade", "palisade-gui", "palisade-window"}, "amd64": {"palisaded", "palisade"}} {
		d := filepath.Join(bin, "darwin-"+arch)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(d, n), []byte("stand-in "+n), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command("bash", "../scripts/pkgroot.sh")
	cmd.Env = append(os.Environ(), "BIN="+bin, "DIST="+dist, "VERSION=2.0.1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkgroot.sh: %v\n%s", err, out)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		files := readTarGz(t, filepath.Join(dist, "palisade-2.0.1-darwin-"+arch+"-pkgroot.tar.gz"))
		exec := map[string]bool{
			"root/usr/local/bin/palisaded": true, "root/usr/local/bin/palisade": true,
			"root/usr/local/bin/palisade-uninstall": true, "scripts/preinstall": true, "scripts/postinstall": true,
			"root/Applications/Palisade.app/Contents/Info.plist": false, "root/Applications/Palisade.app/Contents/PkgInfo": false,
			"root/Applications/Palisade.app/Contents/Resources/palisade.icns": false, "BUILD.txt": false,
		}
		for _, b := range []string{AppExecutable, AppWindow} {
			gui := "root/Applications/Palisade.app/Contents/MacOS/" + b
			if arch == "arm64" {
				exec[gui] = true
			} else if _, ok := files[gui]; ok {
				t.Errorf("%s: %s appeared without one in bin/", arch, b)
			}
		}
		for name, x := range exec {
			f, ok := files[name]
			if !ok {
				t.Errorf("%s: %s missing", arch, name)
				continue
			}
			if (f.mode&0o111 != 0) != x {
				t.Errorf("%s: %s mode %o", arch, name, f.mode)
			}
		}
		p := parsePlist(t, files["root/Applications/Palisade.app/Contents/Info.plist"].data)
		if p["CFBundleShortVersionString"] != "2.0.1" || p["LSUIElement"] != "true" {
			t.Errorf("%s: Info.plist %v", arch, p)
		}
		if !bytes.HasPrefix(files["root/Applications/Palisade.app/Contents/Resources/palisade.icns"].data, []byte("icns")) {
			t.Errorf("%s: palisade.icns is not an icns file", arch)
		}
	}
}

type tarFile struct {
	mode int64
	data []byte
}

func readTarGz(t *testing.T, path string) map[string]tarFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]tarFile{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(fmt.Errorf("%s: %w", h.Name, err))
		}
		out[strings.TrimPrefix(h.Name, "./")] = tarFile{mode: h.Mode, data: data}
	}
}
