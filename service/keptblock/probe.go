package keptblock

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/palisadevpn/palisade/firewall"
)

// Probe looks for Palisade's rules in this system's packet filter through
// the firewall backend's own read-back (nftables over netlink, pfctl, WFP
// enumeration), bounded by ctx. Reading needs root or Administrator on every
// OS; without it the answer is Unknown with the reason.
func Probe(ctx context.Context, stateDir string) (Presence, error) {
	fw, err := firewall.New(slog.New(slog.NewTextHandler(io.Discard, nil)), stateDir)
	if err != nil {
		return Unknown, err
	}
	in, ok := fw.(firewall.Inspector)
	if !ok {
		return Unknown, errors.New("this packet filter cannot be read back")
	}
	got, err := in.Inspect(ctx)
	if err != nil {
		return Unknown, err
	}
	if got.Present && got.Rules > 0 {
		return Present, nil
	}
	return Absent, nil
}
