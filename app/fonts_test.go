package app

import (
	"bytes"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// The emoji-font swap works on Fyne's own resource: it finds the one it
// expects (name, size, a static resource), the resource Fyne's painter asks
// for afterwards holds the text font, and text keeps its own faces (bold
// still measures wider than regular: the swapped face is searched after
// the style's). A Fyne upgrade that changes any of that fails here.
func TestEmojiFontSwap(t *testing.T) {
	if err := dropEmojiFace(); err != nil {
		t.Fatalf("the swap refused Fyne's emoji font (check fonts.go against the new Fyne): %v", err)
	}
	if !bytes.Equal(theme.DefaultEmojiFont().Content(), theme.DefaultTextFont().Content()) {
		t.Fatal("Fyne's emoji font resource does not hold the text font after the swap: Fyne hands out another copy")
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	s := "Palisade WWW"
	regular := fyne.MeasureText(s, 14, fyne.TextStyle{})
	bold := fyne.MeasureText(s, 14, fyne.TextStyle{Bold: true})
	if bold.Width <= regular.Width {
		t.Errorf("bold text measures %v, regular %v: text lost its own face", bold.Width, regular.Width)
	}
}

// Anything but the expected resource is left alone, with a reason.
func TestEmojiFontSwapRefusesOthers(t *testing.T) {
	text := theme.DefaultTextFont()
	for _, r := range []fyne.Resource{
		fyne.NewStaticResource("NotoColorEmoji.ttf", make([]byte, emojiFontSize)),
		fyne.NewStaticResource(emojiFontName, make([]byte, 100)),
		notStatic{},
	} {
		before := r.Content()
		err := swapEmojiFont(r, text)
		if err == nil || !strings.Contains(err.Error(), "emoji font") || !bytes.Equal(r.Content(), before) {
			t.Errorf("%s: %v, content changed %v", r.Name(), err, !bytes.Equal(r.Content(), before))
		}
	}
}

type notStatic struct{}

func (notStatic) Name() string    { return emojiFontName }
func (notStatic) Content() []byte { return make([]byte, emojiFontSize) }
