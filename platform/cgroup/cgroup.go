// Package cgroup finds the cgroup2 hierarchy and names the split tunnel's
// groups in it. The parsers here are OS-free; cgroup_linux.go creates the
// groups and moves processes into them.
package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Names of the split tunnel's groups, below the service's parent.
const (
	Bypass  = "palisade-bypass"
	VPNOnly = "palisade-vpnonly"
)

// Mount is where the cgroup2 hierarchy is mounted.
type Mount struct {
	// Point is the mount point, such as /sys/fs/cgroup (pure v2) or
	// /sys/fs/cgroup/unified (hybrid layout).
	Point string
	// Root is the hierarchy path mounted there: "/" unless a container
	// or bind mount shows only a subtree.
	Root string
}

// ErrNoCgroup2 says the system has no cgroup2 hierarchy mounted.
var ErrNoCgroup2 = errors.New("no cgroup2 hierarchy is mounted (split tunnelling needs cgroup v2)")

// ParseMountinfo finds the first cgroup2 mount in /proc/self/mountinfo.
func ParseMountinfo(text string) (Mount, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// id parent major:minor root point options [optional...] - type source super
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(f) || f[sep+1] != "cgroup2" {
			continue
		}
		root, point := unescape(f[3]), unescape(f[4])
		if !strings.HasPrefix(point, "/") || !strings.HasPrefix(root, "/") {
			return Mount{}, fmt.Errorf("mountinfo: malformed cgroup2 line %q", sc.Text())
		}
		return Mount{Point: path.Clean(point), Root: path.Clean(root)}, nil
	}
	if err := sc.Err(); err != nil {
		return Mount{}, fmt.Errorf("mountinfo: %w", err)
	}
	return Mount{}, ErrNoCgroup2
}

// unescape undoes mountinfo's octal escapes (\040 for a space and so on).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 || s[0] > '3' {
		return false
	}
	for i := range 3 {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// ParseProcCgroup returns the cgroup2 path ("0::/path") from a process's
// /proc/PID/cgroup; a hybrid layout lists v1 hierarchies beside it.
func ParseProcCgroup(text string) (string, error) {
	for line := range strings.SplitSeq(text, "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			if !strings.HasPrefix(p, "/") {
				return "", fmt.Errorf("cgroup: malformed v2 line %q", line)
			}
			return path.Clean(p), nil
		}
	}
	return "", errors.New("cgroup: the process has no cgroup2 line")
}

// Rel validates a group path below the hierarchy's root ("parent/name",
// no "..", no empty parts) and returns it cleaned.
func Rel(p string) (string, error) {
	c := path.Clean("/" + p)
	if c == "/" || c != "/"+strings.Trim(p, "/") || strings.Contains(p, "//") {
		return "", fmt.Errorf("cgroup: invalid group path %q", p)
	}
	for part := range strings.SplitSeq(c[1:], "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "cgroup.") {
			return "", fmt.Errorf("cgroup: invalid group path %q", p)
		}
	}
	return c[1:], nil
}

// Level is a group's depth in the hierarchy, as nftables' socket cgroupv2
// match counts it (the root is level 0), for a group rel below the mount m.
func (m Mount) Level(rel string) uint32 {
	full := path.Join(m.Root, rel)
	if full == "/" {
		return 0
	}
	return uint32(strings.Count(full, "/"))
}

// Path is the group's directory on this system.
func (m Mount) Path(rel string) string { return path.Join(m.Point, rel) }
