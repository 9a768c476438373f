package desktopnote

import (
	"os/exec"
	"syscall"
)

// createNoWindow keeps PowerShell's console from flashing up.
const createNoWindow = 0x08000000

// send shows a toast through PowerShell, started in the background (it
// takes about a second to load the Windows Runtime types).
func send(title, body string) error {
	cmd := exec.Command("powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
		"-EncodedCommand", encodedCommand(toastScript(AppID, title, body)))
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
