package desktopnote

import "os/exec"

// send hands the notification to Notification Center through osascript,
// which needs no cgo and no signed bundle; macOS shows it as coming from
// Script Editor (see docs/gui.md). Run in the background: osascript takes
// a moment to start and the tray does not wait for it.
func send(title, body string) error {
	cmd := exec.Command("/usr/bin/osascript", "-e", appleScript(title, body))
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
