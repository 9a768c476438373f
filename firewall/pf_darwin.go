package firewall

import (
	"bytes"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/palisadevpn/palisade/internal/undolog"
)

// New returns the pf backend, which drives pfctl; stateDir holds the
// journal of its pf reference tokens.
func New(log *slog.Logger, stateDir string) (Backend, error) {
	if _, err := exec.LookPath("pfctl"); err != nil {
		return nil, fmt.Errorf("pf: %w", err)
	}
	return &pfBackend{log: log, tokens: undolog.Open[string](filepath.Join(stateDir, pfTokenJournal)), pfctl: pfctl}, nil
}

// pfctl runs pfctl and returns its combined output; pfctl reports tokens
// and warnings on stderr.
func pfctl(stdin string, args ...string) (string, error) {
	cmd := exec.Command("pfctl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pfctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
