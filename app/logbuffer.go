package app

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// Readable is the lines as the tab shows them (ReadableLine); Text keeps
// them as the service wrote them.
func (b *LogBuffer) Readable() string {
	var sb strings.Builder
	for _, l := range b.lines {
		sb.WriteString(ReadableLine(l, time.Local))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// ReadableLine shortens a service log line for the screen: the time of
// day in loc instead of the full UTC timestamp, the level padded, the message
// unquoted, the other fields as they are. A line of another shape is
// returned unchanged.
func ReadableLine(line string, loc *time.Location) string {
	rest, ok := strings.CutPrefix(line, "time=")
	if !ok {
		return line
	}
	ts, rest, _ := strings.Cut(rest, " ")
	at, err := time.Parse(time.RFC3339Nano, ts)
	level, rest, ok2 := strings.Cut(strings.TrimPrefix(rest, "level="), " ")
	msg, ok3 := strings.CutPrefix(rest, "msg=")
	if err != nil || !ok2 || !ok3 {
		return line
	}
	fields := ""
	if strings.HasPrefix(msg, `"`) {
		if q, err := strconv.QuotedPrefix(msg); err == nil {
			fields = msg[len(q):]
			msg, _ = strconv.Unquote(q)
		}
	} else {
		msg, fields, _ = strings.Cut(msg, " ")
		fields = " " + fields
	}
	return fmt.Sprintf("%s %-5s %s%s", at.In(loc).Format("15:04:05"), level, msg, strings.TrimRight(fields, " "))
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
