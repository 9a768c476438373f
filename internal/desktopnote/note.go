// Package desktopnote shows desktop notifications for the tray process,
// which is not a Fyne app and so cannot use Fyne's: the freedesktop.org
// notification service over D-Bus on Linux, Notification Center through
// osascript on macOS, a toast through PowerShell on Windows (what Fyne
// itself does on Windows). The per-OS files are thin; what they send is
// built here, free of OS calls, and unit-tested.
package desktopnote

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// AppName names the sender to the desktop.
const AppName = "Palisade"

// AppID identifies the GUI to the desktop: Fyne's app ID (preferences) and
// the AppUserModelID Windows shows toasts under, which the MSI registers
// with AppName and the icon (installer/windows/palisade.wxs; its test
// checks the two agree).
const AppID = "com.palisadevpn.palisade"

// Send shows a notification with title and body. It returns once the
// desktop took it (Linux) or the helper program was started (macOS,
// Windows), and an error when that failed.
func Send(title, body string) error { return send(oneLine(title), oneLine(body)) }

// oneLine turns control characters (newlines included) into spaces: a
// notification is a line or two of text, and a stray control character must
// not end a script's string literal.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// appleScript is the AppleScript that shows the notification: both strings
// are AppleScript literals, where only the backslash and the double quote
// need escaping.
func appleScript(title, body string) string {
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `display notification "` + q.Replace(body) + `" with title "` + q.Replace(title) + `"`
}

// toastScript is the PowerShell script that shows a Windows toast from the
// application appID. The texts are single-quoted PowerShell strings, which
// expand nothing and in which only the quote doubles, and are handed to
// the toast XML as text nodes, so neither PowerShell nor XML reads them.
func toastScript(appID, title, body string) string {
	q := func(s string) string {
		// PowerShell also ends a single-quoted string at the typographic
		// quotes, so those are doubled too.
		return "'" + strings.NewReplacer("'", "''", "‘", "‘‘", "’", "’’", "‚", "‚‚", "‛", "‛‛").Replace(s) + "'"
	}
	return strings.Join([]string{
		"$ErrorActionPreference = 'Stop'",
		"[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null",
		"$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)",
		"$texts = $xml.GetElementsByTagName('text')",
		"$texts.Item(0).AppendChild($xml.CreateTextNode(" + q(title) + ")) > $null",
		"$texts.Item(1).AppendChild($xml.CreateTextNode(" + q(body) + ")) > $null",
		"[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier(" + q(appID) + ").Show([Windows.UI.Notifications.ToastNotification]::new($xml))",
	}, "\n")
}

// encodedCommand is a script as PowerShell's -EncodedCommand takes it:
// UTF-16LE in base64, so no command line quoting and no script file.
func encodedCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}
