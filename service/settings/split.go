package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxSplitPrograms bounds the split tunnel's program list.
const MaxSplitPrograms = 64

// SplitMode is the split tunnel's mode.
type SplitMode string

// Split tunnel modes. Off is also the zero value of older settings files.
const (
	SplitOff SplitMode = "off"
	// SplitBypass: the listed programs skip the tunnel.
	SplitBypass SplitMode = "bypass"
	// SplitVPNOnly: only the listed programs use the tunnel.
	SplitVPNOnly SplitMode = "vpn-only"
)

// Split is the split tunnel part of the settings.
type Split struct {
	Mode SplitMode `json:"mode,omitempty"`
	// TunnelDNS keeps bypass programs' lookups on the local resolver,
	// through the tunnel. By default (false) they go to the system's own
	// name servers, directly, like the rest of their traffic.
	TunnelDNS bool `json:"tunnel_dns,omitempty"`
	// Programs are absolute paths of executables whose new processes the
	// service moves into the group.
	Programs []string `json:"programs,omitempty"`
}

// On reports whether split tunnelling is on.
func (s Split) On() bool { return s.Mode == SplitBypass || s.Mode == SplitVPNOnly }

// ParseSplitMode parses a split tunnel mode as typed by a user.
func ParseSplitMode(v string) (SplitMode, error) {
	switch m := SplitMode(strings.ToLower(strings.TrimSpace(v))); m {
	case SplitOff, SplitBypass, SplitVPNOnly:
		return m, nil
	case "vpnonly", "vpn_only":
		return SplitVPNOnly, nil
	}
	return "", fmt.Errorf("invalid split tunnel mode %q: use off, bypass or vpn-only", v)
}

// ParseProgram validates one program path: absolute, clean, no newline.
func ParseProgram(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty program path")
	}
	if strings.ContainsAny(p, "\x00\n") || !filepath.IsAbs(p) {
		return "", fmt.Errorf("invalid program %q: give the executable's absolute path", p)
	}
	// The settings file is JSON, which would store invalid UTF-8 as
	// U+FFFD: the path read back would name another file.
	if !utf8.ValidString(p) {
		return "", fmt.Errorf("invalid program %q: the path is not UTF-8 text, which the settings file cannot hold", p)
	}
	return filepath.Clean(p), nil
}

// ProgramPath makes a path the service can match, as typed or chosen by
// a user: absolute, symbolic links resolved (the kernel names a process
// by its real file). A path no longer on disk (to remove it) is taken as
// given.
func ProgramPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return ParseProgram(abs)
}

// Validate checks the mode and the program list.
func (s Split) Validate() error {
	if s.Mode != "" {
		if _, err := ParseSplitMode(string(s.Mode)); err != nil {
			return err
		}
	}
	if len(s.Programs) > MaxSplitPrograms {
		return fmt.Errorf("too many split tunnel programs: %d given, at most %d", len(s.Programs), MaxSplitPrograms)
	}
	seen := map[string]bool{}
	for _, p := range s.Programs {
		c, err := ParseProgram(p)
		if err != nil {
			return err
		}
		if seen[c] {
			return fmt.Errorf("program %s is listed twice", c)
		}
		seen[c] = true
	}
	return nil
}

// Normalized returns s with the mode canonical ("" and unknown are off)
// and the programs cleaned, sorted and each once.
func (s Split) Normalized() Split {
	if m, err := ParseSplitMode(string(s.Mode)); err == nil {
		s.Mode = m
	} else {
		s.Mode = SplitOff
	}
	out := make([]string, 0, len(s.Programs))
	for _, p := range s.Programs {
		if c, err := ParseProgram(p); err == nil {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	s.Programs = slices.Compact(out)
	if len(s.Programs) == 0 {
		s.Programs = nil
	}
	return s
}
