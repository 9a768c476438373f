package assets

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"testing"
)

func TestSVGsAreWellFormed(t *testing.T) {
	for name, data := range map[string][]byte{
		"connected": TrayConnected, "connecting": TrayConnecting,
		"disconnected": TrayDisconnected, "error": TrayError, "app": AppIconSVG,
	} {
		var doc struct {
			XMLName xml.Name
			ViewBox string `xml:"viewBox,attr"`
		}
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if doc.XMLName.Local != "svg" || doc.ViewBox == "" {
			t.Errorf("%s: root is <%s viewBox=%q>, want <svg> with a viewBox", name, doc.XMLName.Local, doc.ViewBox)
		}
	}
}

func TestTrayIconsDiffer(t *testing.T) {
	icons := [][]byte{TrayConnected, TrayConnecting, TrayDisconnected, TrayError}
	for i := range icons {
		for j := i + 1; j < len(icons); j++ {
			if bytes.Equal(icons[i], icons[j]) {
				t.Errorf("tray icons %d and %d are identical", i, j)
			}
		}
	}
}

func TestPNGSizes(t *testing.T) {
	for name, c := range map[string]struct {
		data []byte
		size int
	}{
		"app": {AppIconPNG, 256}, "connected": {TrayConnectedPNG, 64}, "connecting": {TrayConnectingPNG, 64},
		"disconnected": {TrayDisconnectedPNG, 64}, "error": {TrayErrorPNG, 64},
	} {
		img, err := png.Decode(bytes.NewReader(c.data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != c.size || b.Dy() != c.size {
			t.Errorf("%s icon is %dx%d, want %dx%[4]d", name, b.Dx(), b.Dy(), c.size)
		}
	}
}

func TestDesktopEntry(t *testing.T) {
	for _, want := range []string{"[Desktop Entry]", "\nExec=palisade-gui\n", "\nIcon=palisade\n", "\nType=Application\n"} {
		if !bytes.Contains(DesktopEntry, []byte(want)) {
			t.Errorf("desktop entry lacks %q", want)
		}
	}
}
