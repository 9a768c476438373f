package app

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

var emojiOnce sync.Once

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
func dropEmojiFace() {
	emojiOnce.Do(func() {
		if r, ok := theme.DefaultEmojiFont().(*fyne.StaticResource); ok {
			r.StaticContent = theme.DefaultTextFont().Content()
		}
	})
}
