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

// EnvStateDir is the state directory $PALISADE_STATE_DIR names, else
// DefaultStateDir: the CLI's and GUI programs' default for --state-dir.
func EnvStateDir() string {
	if d := os.Getenv("PALISADE_STATE_DIR"); d != "" {
		return d
	}
	return DefaultStateDir()
}
