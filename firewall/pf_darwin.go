package firewall

import (
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"

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
