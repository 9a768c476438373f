package sysdns

import (
	"context"
	"errors"
	"net/netip"
)

// Current returns the name servers macOS uses now: the global DNS
// dictionary of the dynamic store, which the scutil manager overrides.
// scutil is killed when ctx ends.
func Current(ctx context.Context, tunnel string) (servers []netip.Addr, viaResolved bool, err error) {
	out, err := scutilContext(ctx, "show State:/Network/Global/DNS\n")
	if err != nil {
		return nil, false, err
	}
	entries, ok := parseScutilDict(out)
	if !ok {
		return nil, false, errors.New("sysdns: no global DNS dictionary in the dynamic store")
	}
	return serverAddresses(entries), false, nil
}
