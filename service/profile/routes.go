package profile

import (
	"net/netip"

	"github.com/palisadevpn/palisade/platform/coverage"
)

// Scope is how Palisade will route the profile on a host with IPv6 and
// IPv6 on in the settings: the same decision the service makes at connect
// (coverage.Routes and coverage.Decide), so `palisade profile check` shows
// it before connecting.
func (p *Profile) Scope() coverage.Scope {
	var allowed []netip.Prefix
	for _, peer := range p.Peers {
		allowed = append(allowed, peer.AllowedIPs...)
	}
	return coverage.Decide(coverage.Routes(p.Interface.Addresses, allowed), true)
}
