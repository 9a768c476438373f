package profile

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what Parse accepts. They are chosen so that anything Parse
// accepts, Marshal writes back within the same limits.
const (
	MaxFileSize   = 1 << 20 // bytes
	MaxLineLen    = 4096    // bytes, without the line ending
	MaxPeers      = 256
	MaxAllowedIPs = 8192 // entries, over all peers
	maxEntries    = 64   // Address and DNS entries each
	maxScripts    = 64   // script lines, all four kinds together
	maxScriptLen  = 4000 // leaves room for "PostDown = " within MaxLineLen
	minMTU        = 576
	maxMTU        = 9000
	minIPv6MTU    = 1280
)

// ParseError is the error type of Parse. Line is 1-based; 0 means the
// problem concerns the whole file.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// canonical spells each accepted key the way Marshal and error messages do;
// section tells where it belongs.
var (
	canonical = map[string]string{}
	section   = map[string]string{}
)

var (
	interfaceKeys = []string{"PrivateKey", "Address", "DNS", "MTU", "ListenPort",
		"Table", "FwMark", "SaveConfig", "PreUp", "PostUp", "PreDown", "PostDown"}
	peerKeys = []string{"PublicKey", "PresharedKey", "AllowedIPs", "Endpoint",
		"PersistentKeepalive"}
)

func init() {
	for _, k := range interfaceKeys {
		canonical[strings.ToLower(k)], section[k] = k, "Interface"
	}
	for _, k := range peerKeys {
		canonical[strings.ToLower(k)], section[k] = k, "Peer"
	}
}

// Parse reads a profile in wg-quick format. Its errors are *ParseError.
func Parse(text string) (*Profile, error) {
	if len(text) > MaxFileSize {
		return nil, &ParseError{Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}
	}
	if strings.HasPrefix(text, "\xff\xfe") || strings.HasPrefix(text, "\xfe\xff") {
		return nil, &ParseError{Line: 1, Msg: "file is UTF-16 text; save it as UTF-8"}
	}
	text = strings.TrimPrefix(text, "\uFEFF")
	ps := parser{seen: map[string]int{}, pubKeys: map[Key]int{}}
	for i, raw := range strings.Split(text, "\n") {
		if err := ps.parseLine(i+1, raw); err != nil {
			return nil, err
		}
	}
	if err := ps.finish(); err != nil {
		return nil, err
	}
	return &ps.p, nil
}

type parser struct {
	p         Profile
	line      int
	section   string // "", "Interface" or "Peer"
	sectLine  int    // line of the current section header
	ifaceLine int
	mtuLine   int
	seen      map[string]int // single-valued keys of the current section
	pubKeys   map[Key]int    // peer public keys and where they were set
	allowed   int
	scripts   int
}

func (ps *parser) errorf(format string, args ...any) *ParseError {
	return &ParseError{Line: ps.line, Msg: fmt.Sprintf(format, args...)}
}

func (ps *parser) parseLine(n int, raw string) error {
	ps.line = n
	raw = strings.TrimSuffix(raw, "\r")
	if err := ps.checkText(raw); err != nil {
		return err
	}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return nil
	case s[0] == '[':
		return ps.startSection(s)
	}
	return ps.keyValue(s)
}

func (ps *parser) keyValue(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return ps.errorf(`expected "Key = Value" or a [Section] header`)
	}
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	if key == "" {
		return ps.errorf("missing key name before '='")
	}
	if !keyName(key) {
		// Not quoted: a pasted "PrivateKey <base64>=" line lands here.
		return ps.errorf(`expected "Key = Value"; the text before '=' is not a key name`)
	}
	if ps.section == "" {
		return ps.errorf("%s is outside a section; add [Interface] or [Peer] above it", key)
	}
	name, known := canonical[strings.ToLower(key)]
	if !known {
		return ps.errorf("unknown key %q in [%s]", key, ps.section)
	}
	if section[name] == "Interface" && ps.section != "Interface" {
		return ps.errorf("%s belongs in the [Interface] section, not [Peer]", name)
	}
	if section[name] == "Peer" && ps.section != "Peer" {
		return ps.errorf("%s belongs in a [Peer] section, not [Interface]", name)
	}
	if ps.section == "Interface" {
		return ps.interfaceKey(name, value)
	}
	return ps.peerKey(name, value)
}

// keyName reports whether s could be a key: up to 32 ASCII letters.
func keyName(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkText rejects binary content early so that nothing later has to cope
// with it, and so that Marshal never writes what Parse would refuse.
func (ps *parser) checkText(raw string) error {
	if strings.IndexByte(raw, 0) >= 0 {
		return ps.errorf("contains a NUL byte; this is not a text file")
	}
	if !utf8.ValidString(raw) {
		return ps.errorf("is not valid UTF-8 text")
	}
	if len(raw) > MaxLineLen {
		return ps.errorf("is longer than %d characters", MaxLineLen)
	}
	for _, c := range raw {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return ps.errorf("contains a control character (%U)", c)
		}
	}
	return nil
}

func (ps *parser) startSection(s string) error {
	if !strings.HasSuffix(s, "]") {
		return ps.errorf("section header %q has no closing ']'", s)
	}
	if err := ps.endSection(); err != nil {
		return err
	}
	ps.seen = map[string]int{}
	ps.sectLine = ps.line
	switch name := strings.TrimSpace(s[1 : len(s)-1]); strings.ToLower(name) {
	case "interface":
		if ps.ifaceLine != 0 {
			return ps.errorf("second [Interface] section (the first is on line %d)", ps.ifaceLine)
		}
		ps.section, ps.ifaceLine = "Interface", ps.line
	case "peer":
		if len(ps.p.Peers) == MaxPeers {
			return ps.errorf("more than %d [Peer] sections", MaxPeers)
		}
		ps.section = "Peer"
		ps.p.Peers = append(ps.p.Peers, Peer{})
	default:
		return ps.errorf("unknown section [%s]; expected [Interface] or [Peer]", name)
	}
	return nil
}

// endSection checks the section just read for its required key.
func (ps *parser) endSection() error {
	switch ps.section {
	case "Interface":
		if ps.p.Interface.PrivateKey.IsZero() {
			return &ParseError{Line: ps.sectLine, Msg: "[Interface] has no PrivateKey"}
		}
	case "Peer":
		if ps.p.Peers[len(ps.p.Peers)-1].PublicKey.IsZero() {
			return &ParseError{Line: ps.sectLine, Msg: "[Peer] has no PublicKey"}
		}
	}
	return nil
}

func (ps *parser) finish() error {
	if err := ps.endSection(); err != nil {
		return err
	}
	switch {
	case ps.section == "":
		return &ParseError{Msg: "file is empty: no [Interface] or [Peer] section"}
	case ps.ifaceLine == 0:
		return &ParseError{Msg: "no [Interface] section"}
	case len(ps.p.Peers) == 0:
		return &ParseError{Msg: "no [Peer] section"}
	}
	if ps.p.Interface.MTU != 0 && ps.p.Interface.MTU < minIPv6MTU && ps.p.HasIPv6() {
		return &ParseError{Line: ps.mtuLine, Msg: fmt.Sprintf(
			"MTU %d is below %d, the minimum for IPv6, and the interface has an IPv6 address",
			ps.p.Interface.MTU, minIPv6MTU)}
	}
	own := ps.p.Interface.PrivateKey.Public()
	if line, ok := ps.pubKeys[own]; ok {
		return &ParseError{Line: line, Msg: "PublicKey is this interface's own public key; use the server's key"}
	}
	return nil
}

// once rejects a second occurrence of a single-valued key in a section.
func (ps *parser) once(name, value string) error {
	if first, dup := ps.seen[name]; dup {
		return ps.errorf("duplicate %s (first set on line %d)", name, first)
	}
	ps.seen[name] = ps.line
	if value == "" {
		return ps.errorf("%s has no value", name)
	}
	return nil
}

func (ps *parser) key(name, value string) (Key, error) {
	k, err := ParseKey(value)
	if err != nil {
		return k, ps.errorf("%s: %v", name, err)
	}
	return k, nil
}

// number parses a decimal in [min, max].
func (ps *parser) number(name, s string, min, max uint64) (uint64, error) {
	if !allDigits(s) {
		return 0, ps.errorf("%s %q is not a number", name, s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, ps.errorf("%s %s is out of range %d..%d", name, s, min, max)
	}
	return n, nil
}

// list splits a comma-separated value; empty entries (a trailing comma)
// are skipped as wg-quick does.
func list(value string) []string {
	var out []string
	for _, f := range strings.Split(value, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parsePrefix accepts a prefix or a bare address, which stands for a single
// host (/32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%q is not a valid IP prefix", s)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a valid IP address", s)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: a zone is not allowed here", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
