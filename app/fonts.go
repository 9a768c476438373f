package app

import (
	"fmt"
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The resource dropEmojiFace replaces, exactly as Fyne 2.7 bundles it. A
// Fyne upgrade that changes it (another font, a build without it, another
// kind of resource) makes the swap refuse, and TestEmojiFontSwap fail,
// until someone has checked that the swap still does what it says.
const (
	emojiFontName = "EmojiOneColor.otf"
	emojiFontSize = 4232712
)

var emojiSwap struct {
	once sync.Once
	err  error
}

// dropEmojiFace keeps Fyne from parsing its bundled colour emoji font
// (EmojiOneColor, 4 MB) once for every text style the window draws:
// regular and bold, which Fyne's own buttons and tabs use, each held about
// 9 MB of Go heap, most of it that font's tables. Palisade shows no emoji
// (profile names are letters, digits and ".-_"); the arrows and check marks
// it does show are not in that font either and come, as before, from the
// system's fonts, which Fyne searches after it, as it now does for any
// emoji in a file path or log line. Fyne offers no theme hook for it (the
// no_emoji build tag does it at build time, but every build of the window
// would have to remember the tag), so the bundled resource's content is
// swapped for the regular text font, before any text is measured: that face
// comes after the style's own in Fyne's search and adds no glyph a user
// sees (the symbol font, smaller, put its own space glyph into texts).
// A resource other than the expected one is left alone, logged once.
func dropEmojiFace() error {
	emojiSwap.once.Do(func() {
		emojiSwap.err = swapEmojiFont(theme.DefaultEmojiFont(), theme.DefaultTextFont())
		if emojiSwap.err != nil {
			slog.Warn("Fyne's emoji font kept", "err", emojiSwap.err)
		}
	})
	return emojiSwap.err
}

// swapEmojiFont gives the emoji resource the text font's content, if it
// is the resource the swap was written for.
func swapEmojiFont(emoji, text fyne.Resource) error {
	r, ok := emoji.(*fyne.StaticResource)
	switch {
	case !ok:
		return fmt.Errorf("the emoji font is a %T, not a *fyne.StaticResource", emoji)
	case r.StaticName != emojiFontName || len(r.StaticContent) != emojiFontSize:
		return fmt.Errorf("the emoji font is %s of %d bytes, not %s of %d", r.StaticName, len(r.StaticContent), emojiFontName, emojiFontSize)
	}
	r.StaticContent = text.Content()
	return nil
}
