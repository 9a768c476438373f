package profile

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Interface is the [Interface] section.
type Interface struct {
	PrivateKey Key
	// Addresses keeps host bits as written (10.0.0.2/24); a bare address
	// means a single host.
	Addresses []netip.Prefix
	DNS       []netip.Addr // IP entries of DNS=
	DNSSearch []string     // non-IP entries of DNS=: search domains
	MTU       int          // 0 = unset
	// ListenPort 0 means unset (a random port).
	ListenPort int
	Table      string // kept verbatim; "" = unset
	FwMark     uint32 // 0 = unset or off
	// SaveConfig = true is kept so the profile exports unchanged, and
	// ignored: Palisade never writes a running configuration back.
	SaveConfig bool
	// The scripts are kept so a profile round-trips; Palisade never runs them.
	PreUp, PostUp, PreDown, PostDown []string
}

// Peer is one [Peer] section.
type Peer struct {
	PublicKey           Key
	PresharedKey        Key            // zero = none
	AllowedIPs          []netip.Prefix // masked to their network address
	Endpoint            *Endpoint      // nil = none
	PersistentKeepalive int            // seconds; 0 = off
}

// Profile is a parsed wg-quick configuration.
type Profile struct {
	Interface Interface
	Peers     []Peer
}

// listLineLen is where Marshal starts a new line for a long list, so that
// every line stays far below MaxLineLen.
const listLineLen = 1000

// Marshal writes p in wg-quick format. For a profile returned by Parse,
// Parse(p.Marshal()) gives a profile deep-equal to p. Zero keys are left
// out, so a Redacted profile never shows a placeholder key.
func (p *Profile) Marshal() string {
	var b strings.Builder
	in := &p.Interface
	b.WriteString("[Interface]\n")
	if !in.PrivateKey.IsZero() {
		writeKey(&b, "PrivateKey", in.PrivateKey.String())
	}
	writeList(&b, "Address", stringsOf(in.Addresses))
	writeList(&b, "DNS", append(stringsOf(in.DNS), in.DNSSearch...))
	if in.MTU != 0 {
		writeKey(&b, "MTU", strconv.Itoa(in.MTU))
	}
	if in.ListenPort != 0 {
		writeKey(&b, "ListenPort", strconv.Itoa(in.ListenPort))
	}
	if in.Table != "" {
		writeKey(&b, "Table", in.Table)
	}
	if in.FwMark != 0 {
		writeKey(&b, "FwMark", fmt.Sprintf("%#x", in.FwMark))
	}
	if in.SaveConfig {
		writeKey(&b, "SaveConfig", "true")
	}
	for _, s := range scripts(in) {
		for _, line := range s.lines {
			writeKey(&b, s.name, line)
		}
	}
	for _, peer := range p.Peers {
		b.WriteString("\n[Peer]\n")
		if !peer.PublicKey.IsZero() {
			writeKey(&b, "PublicKey", peer.PublicKey.String())
		}
		if !peer.PresharedKey.IsZero() {
			writeKey(&b, "PresharedKey", peer.PresharedKey.String())
		}
		writeList(&b, "AllowedIPs", stringsOf(peer.AllowedIPs))
		if peer.Endpoint != nil {
			writeKey(&b, "Endpoint", peer.Endpoint.String())
		}
		if peer.PersistentKeepalive != 0 {
			writeKey(&b, "PersistentKeepalive", strconv.Itoa(peer.PersistentKeepalive))
		}
	}
	return b.String()
}

func writeKey(b *strings.Builder, key, value string) {
	b.WriteString(key + " = " + value + "\n")
}

// writeList writes a comma list, split over repeated keys when long.
func writeList(b *strings.Builder, key string, items []string) {
	var line []string
	n := 0
	for _, it := range items {
		if n > 0 && n+len(it) > listLineLen {
			writeKey(b, key, strings.Join(line, ", "))
			line, n = nil, 0
		}
		line = append(line, it)
		n += len(it) + 2
	}
	if len(line) > 0 {
		writeKey(b, key, strings.Join(line, ", "))
	}
}

func stringsOf[T fmt.Stringer](xs []T) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.String())
	}
	return out
}

type scriptList struct {
	name  string
	lines []string
}

func scripts(in *Interface) []scriptList {
	return []scriptList{{"PreUp", in.PreUp}, {"PostUp", in.PostUp},
		{"PreDown", in.PreDown}, {"PostDown", in.PostDown}}
}

// Redacted returns a deep copy of p with the private and preshared keys
// zeroed, fit for display and for sending over IPC.
func (p *Profile) Redacted() *Profile {
	in := p.Interface
	r := &Profile{Interface: in}
	r.Interface.PrivateKey = Key{}
	r.Interface.Addresses = slices.Clone(in.Addresses)
	r.Interface.DNS = slices.Clone(in.DNS)
	r.Interface.DNSSearch = slices.Clone(in.DNSSearch)
	r.Interface.PreUp = slices.Clone(in.PreUp)
	r.Interface.PostUp = slices.Clone(in.PostUp)
	r.Interface.PreDown = slices.Clone(in.PreDown)
	r.Interface.PostDown = slices.Clone(in.PostDown)
	for _, peer := range p.Peers {
		peer.PresharedKey = Key{}
		peer.AllowedIPs = slices.Clone(peer.AllowedIPs)
		if peer.Endpoint != nil {
			e := *peer.Endpoint
			peer.Endpoint = &e
		}
		r.Peers = append(r.Peers, peer)
	}
	return r
}

// HasScripts reports whether the profile carries any PreUp, PostUp,
// PreDown or PostDown command.
func (p *Profile) HasScripts() bool {
	for _, s := range scripts(&p.Interface) {
		if len(s.lines) > 0 {
			return true
		}
	}
	return false
}

// Warnings describes what in the profile Palisade accepts but does not act
// on, and how the tunnel will treat a family it does not carry.
func (p *Profile) Warnings() []string {
	var w []string
	for _, s := range scripts(&p.Interface) {
		if len(s.lines) > 0 {
			w = append(w, s.name+" scripts are kept but never run by Palisade")
		}
	}
	if p.Interface.Table != "" {
		w = append(w, "Table = "+p.Interface.Table+" is kept but ignored: Palisade manages routing itself")
	}
	if p.Interface.SaveConfig {
		w = append(w, "SaveConfig = true is kept but ignored: Palisade never writes the running configuration back to the profile")
	}
	s := p.Scope()
	for _, d := range p.Interface.DNS {
		// A link-local server is on the LAN by intent.
		if !d.IsLinkLocalUnicast() && !slices.ContainsFunc(s.Routes, func(r netip.Prefix) bool { return r.Contains(d) }) {
			w = append(w, fmt.Sprintf("DNS server %s is outside AllowedIPs, so its queries cannot go through the tunnel; add %s to AllowedIPs (the WireGuard apps do so when excluding private IPs)",
				d, netip.PrefixFrom(d, d.BitLen())))
		}
	}
	if !s.Full4 && !s.Full6 {
		return w
	}
	if !p.HasIPv4() || !s.Full4 {
		w = append(w, "IPv4 does not go through this tunnel; Palisade blocks IPv4 while connected so it cannot leak")
	}
	if !s.Full6 {
		w = append(w, "IPv6 does not go through this tunnel; Palisade blocks IPv6 while connected so it cannot leak")
	}
	return w
}

// HasIPv4 reports whether the interface has an IPv4 address.
func (p *Profile) HasIPv4() bool {
	return slices.ContainsFunc(p.Interface.Addresses, func(a netip.Prefix) bool { return a.Addr().Is4() })
}

// HasIPv6 reports whether the interface has an IPv6 address.
func (p *Profile) HasIPv6() bool {
	return slices.ContainsFunc(p.Interface.Addresses, func(a netip.Prefix) bool { return a.Addr().Is6() })
}
