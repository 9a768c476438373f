package main

import (
	"os"
	"path/filepath"
	"runtime"
)

func defaultStateDir() string {
	switch runtime.GOOS {
	case "windows":
		return filepath.Join(os.Getenv("ProgramData"), "Palisade")
	case "darwin":
		return "/Library/Application Support/Palisade"
	}
	return "/var/lib/palisade"
}
