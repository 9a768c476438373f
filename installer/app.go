package installer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/palisadevpn/palisade/assets"
)

// AppName is the macOS bundle's directory name in /Applications.
const AppName = "Palisade.app"

// AppExecutable is the GUI binary inside the bundle (CFBundleExecutable):
// the tray.
const AppExecutable = "palisade-gui"

// AppWindow is the window program, beside the tray in Contents/MacOS, where
// the tray looks for it.
const AppWindow = "palisade-window"

// bundleVersion is what CFBundleShortVersionString accepts: up to three
// dot-separated integers (a +build or -pre suffix is dropped first).
var bundleVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,2}$`)

// AppInfoPlist renders the bundle's Info.plist. LSUIElement keeps the tray
// app out of the Dock and the app switcher, like other menu-bar VPN clients.
func AppInfoPlist(version string) (string, error) {
	v, _, _ := strings.Cut(version, "+")
	v, _, _ = strings.Cut(v, "-")
	if !bundleVersion.MatchString(v) {
		return "", fmt.Errorf("installer: version %q is not a bundle version (1.2.3)", version)
	}
	b, err := templates.ReadFile("darwin/Info.plist.tmpl")
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "{{Version}}", v), nil
}

// ICNS wraps PNG icons into an .icns file. Each PNG goes in as every icns
// type of its pixel size (a 256-pixel image is both 256×256 and 128×128@2x).
func ICNS(pngs ...[]byte) ([]byte, error) {
	types := map[int][]string{16: {"icp4"}, 32: {"icp5", "ic11"}, 64: {"icp6", "ic12"}, 128: {"ic07"}, 256: {"ic08", "ic13"}, 512: {"ic09", "ic14"}, 1024: {"ic10"}}
	var body bytes.Buffer
	for _, p := range pngs {
		cfg, err := png.DecodeConfig(bytes.NewReader(p))
		if err != nil {
			return nil, fmt.Errorf("installer: icon: %w", err)
		}
		ts, ok := types[cfg.Width]
		if !ok || cfg.Width != cfg.Height {
			return nil, fmt.Errorf("installer: icon of %d×%d pixels has no icns type", cfg.Width, cfg.Height)
		}
		for _, t := range ts {
			body.WriteString(t)
			binary.Write(&body, binary.BigEndian, uint32(8+len(p)))
			body.Write(p)
		}
	}
	var out bytes.Buffer
	out.WriteString("icns")
	binary.Write(&out, binary.BigEndian, uint32(8+body.Len()))
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

// WriteApp lays out the bundle in dir (…/Palisade.app): Info.plist, PkgInfo,
// the icon from assets/ and, when set, the tray (gui) and window binaries.
// The binaries are built on a Mac (they need cgo); package builds elsewhere
// lay out the rest.
func WriteApp(dir, version, gui, window string) error {
	plist, err := AppInfoPlist(version)
	if err != nil {
		return err
	}
	icns, err := ICNS(assets.AppIconPNG)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"Contents/Info.plist":              []byte(plist),
		"Contents/PkgInfo":                 []byte("APPL????"),
		"Contents/Resources/palisade.icns": icns,
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "Contents/MacOS"), 0o755); err != nil {
		return err
	}
	for name, from := range map[string]string{AppExecutable: gui, AppWindow: window} {
		if from == "" {
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "Contents/MacOS", name), data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, perm)
}
