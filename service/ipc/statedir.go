package ipc

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultStateDir is the service's state directory unless told otherwise.
// The CLI and the tray read the kill switch's kept-block record there while
// the service is down (service/keptblock).
func DefaultStateDir() string {
	switch runtime.GOOS {
	case "windows":
		return filepath.Join(os.Getenv("ProgramData"), "Palisade")
	case "darwin":
		return "/Library/Application Support/Palisade"
	}
	return "/var/lib/palisade"
}
