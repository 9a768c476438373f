package sysdns

import "strings"

// probes are the facts Detect decides from, gathered by the OS layer.
type probes struct {
	resolvConfLink   string // target of /etc/resolv.conf if it is a symlink, else ""
	resolvedOnBus    bool   // org.freedesktop.resolve1 has an owner on the system bus
	resolvconfPath   string // path of a resolvconf binary, or ""
	resolvconfIsStub bool   // that binary is systemd's resolvectl compatibility shim
}

// choice is the manager kind Detect picks and why.
type choice struct {
	kind   string
	reason string
}

// choose picks how to manage system DNS. systemd-resolved is used only when it
// actually owns resolv.conf (a symlink into /run/systemd/resolve/) and is on
// the bus: configuring it otherwise changes nothing. resolvconf is used when
// present, unless it is resolvectl's shim, which needs resolved. Everything
// else gets a direct, journaled rewrite of resolv.conf.
func choose(p probes) choice {
	ownsResolvConf := strings.HasPrefix(p.resolvConfLink, "/run/systemd/resolve/") ||
		strings.HasPrefix(p.resolvConfLink, "../run/systemd/resolve/")
	switch {
	case ownsResolvConf && p.resolvedOnBus:
		return choice{"systemd-resolved", "resolv.conf links to " + p.resolvConfLink + " and resolve1 is on the bus"}
	case p.resolvconfPath != "" && !p.resolvconfIsStub:
		return choice{"resolvconf", "found " + p.resolvconfPath + reasonSuffix(p, ownsResolvConf)}
	default:
		return choice{"file", "no systemd-resolved owning resolv.conf and no usable resolvconf" + reasonSuffix(p, ownsResolvConf)}
	}
}

func reasonSuffix(p probes, ownsResolvConf bool) string {
	switch {
	case ownsResolvConf && !p.resolvedOnBus:
		return " (resolv.conf links to systemd-resolved but it is not running)"
	case p.resolvconfIsStub:
		return " (resolvconf is resolvectl's shim)"
	}
	return ""
}
