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
