//go:build !linux

package service

import (
	"errors"

	"github.com/palisadevpn/palisade/platform"
)

// newSplitGroups says why this OS has no split tunnel.
func newSplitGroups(parent string) (SplitGroups, error) {
	return nil, errors.New(platform.SplitTunnelUnavailable)
}
