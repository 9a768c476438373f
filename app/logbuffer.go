package app

import (
	"path/filepath"
	"strings"
)

// maxLogLines bounds what the logs tab keeps; older lines scroll away.
const maxLogLines = 2000

// LogBuffer holds the last maxLogLines lines of the service log.
type LogBuffer struct {
	lines []string
}

// Append adds lines and drops the oldest beyond the bound.
func (b *LogBuffer) Append(lines ...string) {
	b.lines = append(b.lines, lines...)
	if over := len(b.lines) - maxLogLines; over > 0 {
		b.lines = append(b.lines[:0], b.lines[over:]...)
	}
}

// Reset forgets every line, before a fresh follow.
func (b *LogBuffer) Reset() { b.lines = b.lines[:0] }

// Len is the number of lines held.
func (b *LogBuffer) Len() int { return len(b.lines) }

// Text is the lines as one text, each ending in a newline: what Copy and
// Save… hand out for a problem report.
func (b *LogBuffer) Text() string {
	if len(b.lines) == 0 {
		return ""
	}
	return strings.Join(b.lines, "\n") + "\n"
}

// DroppedProfiles splits paths dropped on the window into WireGuard .conf
// files, which are imported, and the rest, which are named in a message.
func DroppedProfiles(paths []string) (conf, other []string) {
	for _, p := range paths {
		if strings.EqualFold(filepath.Ext(p), ".conf") {
			conf = append(conf, p)
		} else {
			other = append(other, filepath.Base(p))
		}
	}
	return conf, other
}
