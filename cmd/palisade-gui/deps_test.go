package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The tray runs all day: it must not link Fyne or the GL driver, whose code
// and package initialisation doubled its memory when the tray and the
// window were one program (docs/benchmarks.md). The window is
// palisade-window.
func TestTrayLinksNoFyne(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to list the dependencies:", err)
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command(goTool, "list", "-deps", ".")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps (GOOS=%s): %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if !strings.Contains(string(out), "fyne.io/systray") {
			t.Errorf("GOOS=%s: fyne.io/systray not among %d dependencies: is this the tray?", goos, len(deps))
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "fyne.io/fyne/") || strings.HasPrefix(d, "github.com/go-gl/") {
				t.Errorf("GOOS=%s: the tray links %s", goos, d)
			}
		}
	}
}
