package profile

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Endpoint is a peer's address as written in a profile. Host is a hostname,
// an IPv4 address, or an IPv6 address without brackets, optionally with a
// zone (fe80::1%eth0).
type Endpoint struct {
	Host string
	Port uint16
}

// maxZoneLen bounds zones well above every OS's interface-name limit.
const maxZoneLen = 32

// ParseEndpoint parses host:port, 1.2.3.4:port, [2001:db8::1]:port or
// [fe80::1%eth0]:port. IP literals are stored in canonical form; hostnames
// are kept as written.
func ParseEndpoint(s string) (Endpoint, error) {
	host, portText, err := splitEndpoint(s)
	if err != nil {
		return Endpoint{}, err
	}
	port, err := parsePort(portText)
	if err != nil {
		return Endpoint{}, fmt.Errorf("Endpoint %s", err)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if err := checkZone(addr); err != nil {
			return Endpoint{}, fmt.Errorf("Endpoint %q: %w", s, err)
		}
		if addr.Is4() && strings.HasPrefix(s, "[") {
			return Endpoint{}, fmt.Errorf("Endpoint %q: only IPv6 addresses go in brackets", s)
		}
		return Endpoint{Host: addr.String(), Port: port}, nil
	}
	if strings.HasPrefix(s, "[") || !validDomain(host) {
		return Endpoint{}, fmt.Errorf("Endpoint %q: %q is not a valid IP address or host name", s, host)
	}
	return Endpoint{Host: host, Port: port}, nil
}

func splitEndpoint(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		switch {
		case end < 0:
			return "", "", fmt.Errorf("Endpoint %q has no closing bracket", s)
		case end == len(s)-1:
			return "", "", fmt.Errorf("Endpoint needs a port")
		case s[end+1] != ':':
			return "", "", fmt.Errorf("Endpoint %q: expected ':' and a port after ']'", s)
		}
		return s[1:end], s[end+2:], nil
	}
	switch strings.Count(s, ":") {
	case 0:
		return "", "", fmt.Errorf("Endpoint needs a port")
	case 1:
		i := strings.IndexByte(s, ':')
		return s[:i], s[i+1:], nil
	}
	return "", "", fmt.Errorf("Endpoint %q: an IPv6 address needs brackets and a port, like [2001:db8::1]:51820", s)
}

func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, fmt.Errorf("needs a port")
	}
	if !allDigits(s) {
		return 0, fmt.Errorf("port %q is not a number", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is out of range 1..65535", s)
	}
	return uint16(n), nil
}

// String returns host:port, with brackets around IPv6 hosts.
func (e Endpoint) String() string {
	return net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port)))
}

// Addr returns the host as an address (zone kept) when it is an IP literal.
func (e Endpoint) Addr() (netip.Addr, bool) {
	addr, err := netip.ParseAddr(e.Host)
	return addr, err == nil
}

// checkZone accepts interface names and indexes, and nothing that would
// need quoting when written back.
func checkZone(addr netip.Addr) error {
	zone := addr.Zone()
	if zone == "" {
		return nil
	}
	if len(zone) > maxZoneLen {
		return fmt.Errorf("zone is longer than %d characters", maxZoneLen)
	}
	for _, c := range zone {
		if !isNameChar(c) {
			return fmt.Errorf("zone %q may only contain letters, digits, '.', '_' and '-'", zone)
		}
	}
	return nil
}

// validDomain reports whether s is a DNS name made of letter-digit-hyphen
// labels (an optional trailing dot allowed). A final all-digit label is
// rejected so that mistyped IPv4 addresses are not taken for names.
func validDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return !allDigits(labels[len(labels)-1])
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isNameChar(c rune) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '-'
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
