package view

import (
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// Note is a desktop notification.
type Note struct {
	Title string
	Body  string
}

// NoteFor decides whether the move from prev to cur deserves a notification:
// on connecting, on losing or ending the connection, and on a new error.
func NoteFor(prev, cur ipc.Status) (Note, bool) {
	if prev.State == cur.State && (cur.State != ipc.Error || prev.LastError == cur.LastError) {
		return Note{}, false
	}
	switch cur.State {
	case ipc.Connected:
		if prev.State == ipc.Reconnecting {
			return Note{}, false
		}
		v4, v6 := splitFamilies(cur.Addresses)
		body := []string{}
		if v4 != None {
			body = append(body, "IPv4 "+v4)
		}
		if v6 != None {
			body = append(body, "IPv6 "+v6)
		}
		return Note{Title: "Connected to " + OrNone(cur.Profile), Body: strings.Join(body, " · ")}, true
	case ipc.Disconnected:
		if prev.State == ipc.Connecting || prev.State == ipc.Disconnected {
			return Note{}, false
		}
		return Note{Title: "Disconnected", Body: "Traffic no longer goes through the VPN."}, true
	case ipc.Error:
		return Note{Title: "VPN connection failed", Body: ExplainStatus(cur.LastError, cur.KillSwitchEngaged).Text()}, true
	}
	return Note{}, false
}
