// Package assets embeds Palisade's icons and desktop entry so that every
// binary carries them. The tray icons are filled shapes with a white inner
// motif, which reads on light and dark panels alike, so no per-theme variant
// is needed.
package assets

import _ "embed"

// Tray icons, one per tunnel state group, as vector art.
var (
	//go:embed tray-connected.svg
	TrayConnected []byte
	//go:embed tray-connecting.svg
	TrayConnecting []byte
	//go:embed tray-disconnected.svg
	TrayDisconnected []byte
	//go:embed tray-error.svg
	TrayError []byte
)

// The tray icons as 64×64 PNGs rendered from the SVGs (rsvg-convert -w 64),
// since tray protocols take bitmaps.
var (
	//go:embed tray-connected.png
	TrayConnectedPNG []byte
	//go:embed tray-connecting.png
	TrayConnectingPNG []byte
	//go:embed tray-disconnected.png
	TrayDisconnectedPNG []byte
	//go:embed tray-error.png
	TrayErrorPNG []byte
)

// The application icon, as vector art and as a 256×256 PNG rendered from it.
var (
	//go:embed palisade.svg
	AppIconSVG []byte
	//go:embed palisade.png
	AppIconPNG []byte
)

// DesktopEntry is the freedesktop.org .desktop file for installers.
//
//go:embed palisade.desktop
var DesktopEntry []byte
