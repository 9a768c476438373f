package view

import (
	"errors"
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// Problem is an error put in plain words, with what the user can do about it.
type Problem struct {
	Summary string
	Action  string
}

// Text joins the summary and the action into one paragraph.
func (p Problem) Text() string {
	if p.Action == "" {
		return p.Summary
	}
	return p.Summary + " " + p.Action
}

// adminHint is what a user without control rights should do.
const adminHint = "Ask an administrator to add you to the palisade group."

// StartHint tells how to start the service on the given GOOS.
func StartHint(goos string) string {
	switch goos {
	case "windows":
		return "Start the Palisade service from Services, or run “palisaded install” and “palisaded start” as Administrator."
	case "darwin":
		return "Start it with “sudo palisaded install && sudo palisaded start”."
	}
	return "Start it with “sudo systemctl start palisaded”, or “sudo palisaded install && sudo palisaded start” if it is not installed."
}

// Explain turns an error from the service client into a Problem.
func Explain(err error, goos string) Problem {
	switch {
	case err == nil:
		return Problem{}
	case errors.Is(err, ipc.ErrUnreachable):
		return Problem{Summary: "The Palisade service is not running.", Action: StartHint(goos)}
	case ipc.IsPermission(err):
		return Problem{Summary: "You are not allowed to change the VPN.", Action: adminHint}
	}
	var ae *ipc.APIError
	if errors.As(err, &ae) {
		return Problem{Summary: Sentence(ae.Message)}
	}
	return Problem{Summary: Sentence(err.Error())}
}

// lastErrorHints maps fragments of the service's last error to advice, first
// match wins.
var lastErrorHints = []struct{ fragment, action string }{
	{"handshake", "Check that the server is up and that the profile's keys and endpoint are right."},
	{"resolve", "Check the endpoint's host name and your network connection."},
	{"no such host", "Check the endpoint's host name and your network connection."},
	{"network is unreachable", "Check your network connection."},
	{"permission", "Reinstall the service; it must run as root or SYSTEM."},
	{"profile", "Import the profile again or pick another one."},
}

// ExplainStatus puts the service's last error into words; engaged tells
// whether the kill switch is blocking traffic meanwhile.
func ExplainStatus(lastError string, engaged bool) Problem {
	if lastError == "" {
		return Problem{}
	}
	p := Problem{Summary: Sentence(lastError), Action: "Palisade retries by itself."}
	lower := strings.ToLower(lastError)
	for _, h := range lastErrorHints {
		if strings.Contains(lower, h.fragment) {
			p.Action = h.action
			break
		}
	}
	if engaged {
		p.Action += " Internet traffic is blocked by the kill switch until the tunnel is back, or until you disconnect."
	}
	return p
}

// Sentence capitalises s and ends it with a full stop.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// dnsWarningProblem explains a tunnel that is up while the system DNS
// could not be pointed at it (ipc.DNSStatus.Warning).
func dnsWarningProblem(warning string, engaged bool) Problem {
	p := Problem{Summary: Sentence("connected, but " + warning)}
	if engaged {
		p.Action = "Names do not resolve while the kill switch blocks other DNS servers."
	} else {
		p.Action = "Names are still looked up by your network's DNS servers, outside the tunnel."
	}
	p.Action += " Reconnect to try again; the service log has the details."
	return p
}
