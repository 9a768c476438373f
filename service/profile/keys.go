package profile

import (
	"net/netip"
	"strconv"
	"strings"
)

func (ps *parser) interfaceKey(name, value string) error {
	in := &ps.p.Interface
	switch name {
	case "Address":
		return ps.addresses(value)
	case "DNS":
		return ps.dns(value)
	case "PreUp", "PostUp", "PreDown", "PostDown":
		return ps.script(name, value)
	}
	if err := ps.once(name, value); err != nil {
		return err
	}
	var err error
	switch name {
	case "PrivateKey":
		in.PrivateKey, err = ps.key(name, value)
		if err == nil && in.PrivateKey.IsZero() {
			err = ps.errorf("PrivateKey is all zeros")
		}
	case "MTU":
		var n uint64
		n, err = ps.number(name, value, minMTU, maxMTU)
		in.MTU, ps.mtuLine = int(n), ps.line
	case "ListenPort":
		var n uint64
		n, err = ps.number(name, value, 1, 65535)
		in.ListenPort = int(n)
	case "Table":
		in.Table, err = value, ps.table(value)
	case "FwMark":
		in.FwMark, err = ps.fwmark(value)
	case "SaveConfig":
		// Palisade never writes a running configuration back; accepted, as
		// wg-quick does, as true or false, so wg-quick files load unchanged.
		switch value {
		case "true":
			in.SaveConfig = true
		case "false":
			in.SaveConfig = false
		default:
			err = ps.errorf("SaveConfig %q must be true or false", value)
		}
	}
	return err
}

func (ps *parser) peerKey(name, value string) error {
	peer := &ps.p.Peers[len(ps.p.Peers)-1]
	if name == "AllowedIPs" {
		return ps.allowedIPs(peer, value)
	}
	if err := ps.once(name, value); err != nil {
		return err
	}
	var err error
	switch name {
	case "PublicKey":
		peer.PublicKey, err = ps.key(name, value)
		if err != nil {
			return err
		}
		if peer.PublicKey.IsZero() {
			return ps.errorf("PublicKey is all zeros")
		}
		if first, dup := ps.pubKeys[peer.PublicKey]; dup {
			return ps.errorf("PublicKey is already used by the peer on line %d", first)
		}
		ps.pubKeys[peer.PublicKey] = ps.line
	case "PresharedKey":
		peer.PresharedKey, err = ps.key(name, value)
	case "Endpoint":
		var e Endpoint
		if e, err = ParseEndpoint(value); err != nil {
			return ps.errorf("%v", err)
		}
		peer.Endpoint = &e
	case "PersistentKeepalive":
		if !strings.EqualFold(value, "off") {
			var n uint64
			n, err = ps.number(name, value, 0, 65535)
			peer.PersistentKeepalive = int(n)
		}
	}
	return err
}

func (ps *parser) addresses(value string) error {
	in := &ps.p.Interface
	for _, f := range list(value) {
		p, err := parsePrefix(f)
		if err != nil {
			return ps.errorf("Address %v", err)
		}
		if len(in.Addresses) == maxEntries {
			return ps.errorf("more than %d Address entries", maxEntries)
		}
		in.Addresses = append(in.Addresses, p)
	}
	return nil
}

// dns sorts DNS entries into servers (IP literals) and search domains, the
// way wg-quick does.
func (ps *parser) dns(value string) error {
	in := &ps.p.Interface
	for _, f := range list(value) {
		if len(in.DNS)+len(in.DNSSearch) == maxEntries {
			return ps.errorf("more than %d DNS entries", maxEntries)
		}
		if a, err := netip.ParseAddr(f); err == nil {
			if err := checkZone(a); err != nil {
				return ps.errorf("DNS %q: %v", f, err)
			}
			in.DNS = append(in.DNS, a)
			continue
		}
		if !validDomain(f) {
			return ps.errorf("DNS entry %q is neither an IP address nor a domain name", f)
		}
		in.DNSSearch = append(in.DNSSearch, f)
	}
	return nil
}

func (ps *parser) allowedIPs(peer *Peer, value string) error {
	for _, f := range list(value) {
		p, err := parsePrefix(f)
		if err != nil {
			return ps.errorf("AllowedIPs %v", err)
		}
		if ps.allowed == MaxAllowedIPs {
			return ps.errorf("more than %d AllowedIPs entries in the profile", MaxAllowedIPs)
		}
		ps.allowed++
		// Exports often carry host bits (10.0.0.2/24); WireGuard masks
		// them too, so do the same instead of refusing the file.
		peer.AllowedIPs = append(peer.AllowedIPs, p.Masked())
	}
	return nil
}

func (ps *parser) script(name, value string) error {
	if value == "" {
		return nil
	}
	if len(value) > maxScriptLen {
		return ps.errorf("%s is longer than %d characters", name, maxScriptLen)
	}
	if ps.scripts == maxScripts {
		return ps.errorf("more than %d PreUp/PostUp/PreDown/PostDown lines", maxScripts)
	}
	ps.scripts++
	in := &ps.p.Interface
	switch name {
	case "PreUp":
		in.PreUp = append(in.PreUp, value)
	case "PostUp":
		in.PostUp = append(in.PostUp, value)
	case "PreDown":
		in.PreDown = append(in.PreDown, value)
	default:
		in.PostDown = append(in.PostDown, value)
	}
	return nil
}

// table accepts what wg-quick does: off, auto, a number or a table name.
func (ps *parser) table(value string) error {
	if len(value) > 64 {
		return ps.errorf("Table is longer than 64 characters")
	}
	for _, c := range value {
		if !isNameChar(c) {
			return ps.errorf("Table %q must be off, auto, a number or a table name", value)
		}
	}
	return nil
}

// fwmark accepts decimal, 0x-prefixed hex, and "off" (which is 0).
func (ps *parser) fwmark(value string) (uint32, error) {
	if strings.EqualFold(value, "off") {
		return 0, nil
	}
	digits, base := value, 10
	if len(value) > 2 && (value[:2] == "0x" || value[:2] == "0X") {
		digits, base = value[2:], 16
	}
	for _, c := range digits {
		if !isAlnum(c) {
			return 0, ps.errorf("FwMark %q is not a number", value)
		}
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, ps.errorf("FwMark %q is not a 32-bit number, 0x hex or off", value)
	}
	return uint32(n), nil
}
