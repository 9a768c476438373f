package keptblock

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

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
	if c, ok := fw.(io.Closer); ok {
		defer c.Close()
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

// ProbeFunc looks at the packet filter (Probe; the unit tests' stand-in).
type ProbeFunc func(ctx context.Context, stateDir string) (Presence, error)

// ProbeTimeout bounds the look at the packet filter (a netlink dump,
// pfctl, a WFP enumeration).
const ProbeTimeout = 5 * time.Second

// Look tells whether Palisade's kill switch blocks while the service does
// not answer: the record in stateDir and a look at the filter with probe,
// decided by Decide.
func Look(ctx context.Context, stateDir string, probe ProbeFunc) Finding {
	rec, found, recErr := Read(stateDir)
	var rp *Record
	if found {
		rp = &rec
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	p, probeErr := probe(ctx, stateDir)
	return Decide(rp, recErr, p, probeErr)
}
