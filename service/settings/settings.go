// Package settings holds the user's choices that the service enforces: the
// kill switch mode, allow-LAN, IPv6 in the tunnel and DNS. They are stored as
// versioned JSON in the service's state directory.
package settings

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Version is the schema version written into the settings file.
const Version = 1

// MaxCustomDNS is how many custom DNS servers a user may configure.
const MaxCustomDNS = 4

// KillSwitch is the kill switch mode.
type KillSwitch string

// Kill switch modes. Auto engages from the first successful connect until the
// user disconnects; always engages even while disconnected and from boot.
const (
	KillSwitchOff    KillSwitch = "off"
	KillSwitchAuto   KillSwitch = "auto"
	KillSwitchAlways KillSwitch = "always"
)

// DNSMode selects where the local resolver forwards queries.
type DNSMode string

// DNS modes. Existing leaves the operating system's DNS alone.
const (
	DNSTunnel    DNSMode = "tunnel"
	DNSCustom    DNSMode = "custom"
	DNSHandshake DNSMode = "handshake"
	DNSExisting  DNSMode = "existing"
)

// DNS is the DNS part of the settings.
type DNS struct {
	Mode DNSMode `json:"mode"`
	// Custom servers, IPv4 and IPv6 literals, used in custom mode.
	Custom []string `json:"custom,omitempty"`
	// Handshake servers used in handshake mode; empty means the built-in ones.
	Handshake []string `json:"handshake,omitempty"`
}

// Settings is everything the user can change.
type Settings struct {
	Version          int        `json:"version"`
	KillSwitch       KillSwitch `json:"kill_switch"`
	AllowLAN         bool       `json:"allow_lan"`
	IPv6             bool       `json:"ipv6"`
	DNS              DNS        `json:"dns"`
	LaunchAtLogin    bool       `json:"launch_at_login"`
	Notifications    bool       `json:"notifications"`
	ReconnectOnStart bool       `json:"reconnect_on_start"`
	// Check configures the self-check's optional outside test.
	Check Check `json:"check"`
	// Split is the per-program split tunnel, one for all profiles, as
	// Mullvad has it (docs/split-tunnel.md).
	Split Split `json:"split"`
}

// Default returns the settings of a fresh install.
func Default() Settings {
	return Settings{
		Version:          Version,
		KillSwitch:       KillSwitchAuto,
		AllowLAN:         true,
		IPv6:             true,
		DNS:              DNS{Mode: DNSTunnel},
		LaunchAtLogin:    true,
		Notifications:    true,
		ReconnectOnStart: true,
		Split:            Split{Mode: SplitOff},
	}
}

// ParseKillSwitch parses a kill switch mode as typed by a user.
func ParseKillSwitch(s string) (KillSwitch, error) {
	switch k := KillSwitch(strings.ToLower(strings.TrimSpace(s))); k {
	case KillSwitchOff, KillSwitchAuto, KillSwitchAlways:
		return k, nil
	}
	return "", fmt.Errorf("invalid kill switch mode %q: use off, auto or always", s)
}

// ParseDNSMode parses a DNS mode as typed by a user.
func ParseDNSMode(s string) (DNSMode, error) {
	switch m := DNSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case DNSTunnel, DNSCustom, DNSHandshake, DNSExisting:
		return m, nil
	}
	return "", fmt.Errorf("invalid DNS mode %q: use tunnel, custom, handshake or existing", s)
}

// ParseDNSServers validates DNS server entries: IPv4 or IPv6 literals only,
// at most MaxCustomDNS, no duplicates. Each error names the offending entry.
func ParseDNSServers(entries []string) ([]netip.Addr, error) {
	if len(entries) > MaxCustomDNS {
		return nil, fmt.Errorf("too many DNS servers: %d given, at most %d", len(entries), MaxCustomDNS)
	}
	out := make([]netip.Addr, 0, len(entries))
	seen := map[netip.Addr]bool{}
	for _, e := range entries {
		a, err := ParseDNSServer(e)
		if err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("DNS server %s is listed twice", a)
		}
		seen[a] = true
		out = append(out, a)
	}
	return out, nil
}

// ParseDNSServer validates one DNS server entry.
func ParseDNSServer(entry string) (netip.Addr, error) {
	s := strings.TrimSpace(entry)
	if s == "" {
		return netip.Addr{}, errors.New("empty DNS server address")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("invalid DNS server %q: not an IPv4 or IPv6 address", entry)
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("invalid DNS server %q: scoped addresses are not supported", entry)
	}
	if a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, fmt.Errorf("invalid DNS server %q: not a unicast address", entry)
	}
	return a.Unmap(), nil
}

// Validate checks every field and returns the first problem in plain words.
func (s Settings) Validate() error {
	if _, err := ParseKillSwitch(string(s.KillSwitch)); err != nil {
		return err
	}
	if _, err := ParseDNSMode(string(s.DNS.Mode)); err != nil {
		return err
	}
	if _, err := ParseDNSServers(s.DNS.Custom); err != nil {
		return fmt.Errorf("custom DNS: %w", err)
	}
	if s.DNS.Mode == DNSCustom && len(s.DNS.Custom) == 0 {
		return errors.New("custom DNS mode needs at least one server")
	}
	if _, err := ParseDNSServers(s.DNS.Handshake); err != nil {
		return fmt.Errorf("handshake DNS: %w", err)
	}
	if err := s.Check.Validate(); err != nil {
		return err
	}
	return s.Split.Validate()
}

// Normalized returns s with DNS entries in canonical form and the version set.
// It assumes s is valid.
func (s Settings) Normalized() Settings {
	s.Version = Version
	s.DNS.Custom = canonical(s.DNS.Custom)
	s.DNS.Handshake = canonical(s.DNS.Handshake)
	s.Split = s.Split.Normalized()
	return s
}

func canonical(entries []string) []string {
	addrs, err := ParseDNSServers(entries)
	if err != nil || len(addrs) == 0 {
		return nil
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
