package app

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/palisadevpn/palisade/service/settings"
)

// DNSCheck is the verdict on a list of custom DNS entries being typed.
type DNSCheck struct {
	// Errors has one entry per input; "" means that entry is fine.
	Errors []string
	// Problem concerns the list as a whole (too many, none in custom mode).
	Problem string
	// Servers are the valid, non-empty entries in canonical form.
	Servers []string
}

// OK reports whether the list can be saved.
func (c DNSCheck) OK() bool {
	if c.Problem != "" {
		return false
	}
	for _, e := range c.Errors {
		if e != "" {
			return false
		}
	}
	return true
}

// CheckDNS validates custom DNS entries as the user types them. Blank rows are
// ignored; the rules are the service's own (settings.ParseDNSServer).
func CheckDNS(entries []string, mode settings.DNSMode) DNSCheck {
	c := DNSCheck{Errors: make([]string, len(entries))}
	seen := map[netip.Addr]int{}
	for i, e := range entries {
		if strings.TrimSpace(e) == "" {
			continue
		}
		a, err := settings.ParseDNSServer(e)
		if err != nil {
			c.Errors[i] = err.Error()
			continue
		}
		if j, dup := seen[a]; dup {
			c.Errors[i] = fmt.Sprintf("%s is already entry %d", a, j+1)
			continue
		}
		seen[a] = i
		c.Servers = append(c.Servers, a.String())
	}
	switch {
	case len(c.Servers) > settings.MaxCustomDNS:
		c.Problem = fmt.Sprintf("At most %d servers.", settings.MaxCustomDNS)
	case mode == settings.DNSCustom && len(c.Servers) == 0 && c.OK():
		c.Problem = "Custom DNS needs at least one server."
	}
	return c
}
