//go:build !linux

package service

import (
	"errors"
	"log/slog"

	"github.com/palisadevpn/palisade/platform"
)

// newSplitGroups says why this OS has no split tunnel.
func newSplitGroups(log *slog.Logger, parent string) (SplitGroups, error) {
	return nil, errors.New(platform.SplitTunnelUnavailable)
}

// processUID is never asked here: SplitExec refuses without groups.
func processUID(pid int) (int, error) {
	return 0, errors.New(platform.SplitTunnelUnavailable)
}
