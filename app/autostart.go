package app

import (
	"encoding/xml"
	"strings"
)

// Launch at login is per user, so the GUI does it itself (the service runs
// as root and cannot): an XDG autostart entry on Linux, a LaunchAgent on
// macOS, the HKCU Run key on Windows. The per-OS files implement
// LaunchAtLogin and SetLaunchAtLogin.

// launchAgentLabel names the macOS LaunchAgent.
const launchAgentLabel = "com.palisadevpn.palisade-gui"

// autostartEntry is the XDG autostart file that starts exe at login, in
// the tray only.
func autostartEntry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Palisade\n" +
		"Comment=Palisade VPN tray\n" +
		"Exec=" + desktopExecQuote(exe) + " --hidden\n" +
		"Icon=palisade\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// hiddenAutostartEntry is the user's XDG autostart entry that turns off the
// packaged one of the same name.
const hiddenAutostartEntry = "[Desktop Entry]\nType=Application\nName=Palisade\nHidden=true\n"

// hiddenEntry reports whether an autostart entry is turned off: Hidden=true
// (the XDG specification) or X-GNOME-Autostart-enabled=false (what GNOME's
// tools write).
func hiddenEntry(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if ok && (k == "Hidden" && v == "true" || k == "X-GNOME-Autostart-enabled" && v == "false") {
			return true
		}
	}
	return false
}

// desktopExecQuote quotes a path for a desktop entry's Exec key, following
// the freedesktop.org rules for reserved characters.
func desktopExecQuote(s string) string {
	if !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`=%") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", `$`, `\\$`, `%`, `%%`)
	return `"` + r.Replace(s) + `"`
}

// launchAgentPlist is the macOS LaunchAgent that starts exe at login.
func launchAgentPlist(exe string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(exe))
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + launchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + b.String() + `</string>
		<string>--hidden</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`
}

// runKeyValue is the Windows Run key value that starts exe at login.
func runKeyValue(exe string) string { return `"` + exe + `" --hidden` }
