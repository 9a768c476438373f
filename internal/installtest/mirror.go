// Package installtest proves the .deb under a real booted systemd: it builds
// the packages, boots a minimal Debian with systemd-nspawn (private network,
// so nothing reaches this machine's own network), installs the .deb there
// and checks the service, its sandbox, the group, a WireGuard connection to
// a peer in a namespace inside the container, DNS, the kill switch and a
// clean purge. The Debian tree is made once by debootstrap and cached
// outside the repository. Everything runs in _linux_test.go files; this
// file holds the OS-free pieces.
package installtest

import (
	"bufio"
	"errors"
	"slices"
	"sort"
	"strings"
)

// debianMirror returns the first archive URI that the machine's own apt
// sources use for suite, so debootstrap fetches from the same mirror apt
// does. sources maps file names to contents: one-line .list files and
// deb822 .sources files both count.
func debianMirror(sources map[string]string, suite string) (string, error) {
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		text := sources[name]
		if strings.HasSuffix(name, ".sources") {
			if uri := mirrorDeb822(text, suite); uri != "" {
				return uri, nil
			}
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			// deb [options] URI SUITE COMPONENTS...
			if len(f) < 3 || f[0] != "deb" {
				continue
			}
			f = f[1:]
			if strings.HasPrefix(f[0], "[") {
				for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
					f = f[1:]
				}
				if len(f) > 0 {
					f = f[1:]
				}
			}
			if len(f) >= 2 && f[1] == suite {
				return f[0], nil
			}
		}
	}
	return "", errors.New("no apt source for suite " + suite)
}

// mirrorDeb822 scans a deb822 .sources file's stanzas for a "deb" one whose
// Suites include suite.
func mirrorDeb822(text, suite string) string {
	for _, stanza := range strings.Split(text, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		types := strings.Fields(fields["types"])
		uris := strings.Fields(fields["uris"])
		if len(uris) == 0 || !slices.Contains(types, "deb") || !slices.Contains(strings.Fields(fields["suites"]), suite) {
			continue
		}
		if e := strings.ToLower(fields["enabled"]); e == "no" || e == "false" {
			continue
		}
		return uris[0]
	}
	return ""
}
