package firewall

import "strings"

// wfpServiceName is palisaded's SCM name; its service SID is
// NT SERVICE\palisaded (the service SID type is set to unrestricted at
// install, so the SID is in the service's token).
const wfpServiceName = "palisaded"

// wfpServiceUserSDDL is the security descriptor of the ALE user condition
// that the service's permits carry next to its app ID, as wireguard-windows
// matches its own service: a socket passes only when its user is SYSTEM,
// the service's SID, or the user running palisaded in the foreground.
// The app ID alone would let anyone who starts palisaded.exe through.
func wfpServiceUserSDDL(sids ...string) string {
	var b strings.Builder
	b.WriteString("O:SYD:(A;;CCRC;;;SY)")
	seen := map[string]bool{"S-1-5-18": true}
	for _, s := range sids {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		b.WriteString("(A;;CCRC;;;" + s + ")")
	}
	return b.String()
}
