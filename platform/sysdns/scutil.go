package sysdns

import (
	"bufio"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// scutilEntry is one top-level property of a dynamic-store dictionary.
type scutilEntry struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
	Array  bool     `json:"array"`
}

var (
	primaryRe = regexp.MustCompile(`(?m)^\s*PrimaryService : (\S+)\s*$`)
	arrayRe   = regexp.MustCompile(`^\s*(\S+) : <array> \{\s*$`)
	elemRe    = regexp.MustCompile(`^\s*\d+ : (.*)$`)
	scalarRe  = regexp.MustCompile(`^\s*(\S+) : (.*)$`)
	subKeyRe  = regexp.MustCompile(`^\s*subKey \[\d+\] = (\S+)\s*$`)
	// serviceDNSKeyRe matches a service's DNS key, State: or Setup:, and
	// captures the domain and the service ID.
	serviceDNSKeyRe = regexp.MustCompile(`^(State|Setup):/Network/Service/([^/]+)/DNS$`)
)

// serviceDNSPatterns are the scutil `list` patterns of every service's DNS
// keys, the ones DNS is set on (serviceDNSKeys).
var serviceDNSPatterns = []string{"State:/Network/Service/[^/]+/DNS", "Setup:/Network/Service/[^/]+/DNS"}

// parseKeyList returns the keys of scutil's `list` output, one
// "  subKey [i] = KEY" line each ("  no keys." when none match).
func parseKeyList(out string) []string {
	var keys []string
	for _, line := range strings.Split(out, "\n") {
		if m := subKeyRe.FindStringSubmatch(line); m != nil {
			keys = append(keys, m[1])
		}
	}
	return keys
}

// scutilBackup maps each dynamic-store key Palisade overwrote to its original
// dictionary; nil means the key did not exist and is removed on restore.
type scutilBackup map[string][]scutilEntry

// parsePrimaryService extracts PrimaryService from `show State:/Network/Global/IPv4`.
func parsePrimaryService(out string) string {
	if m := primaryRe.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

// primaryService is the service macOS sends DNS questions to: the IPv4
// primary, or the IPv6 one on an IPv6-only network.
func primaryService(global4, global6 string) string {
	if s := parsePrimaryService(global4); s != "" {
		return s
	}
	return parsePrimaryService(global6)
}

func setupDNSKey(svc string) string { return "Setup:/Network/Service/" + svc + "/DNS" }

// ScutilScript is the whole input for one scutil(8) run of body: in a
// session of its own, opened first (vpnc-script does the same; scutil's
// notification commands do nothing without one) and closed by quit.
func ScutilScript(body string) string {
	return "open\n" + body + "quit\n"
}

// TunnelService is the dynamic-store service ID under which the macOS
// router publishes the tunnel (platform's tunnelServiceScript), with
// OverridePrimary for each family it carries fully.
const TunnelService = "com.palisadevpn.tunnel"

// tunnelServiceKey is the tunnel service's key of one family ("IPv4",
// "IPv6").
func tunnelServiceKey(family string) string {
	return "State:/Network/Service/" + TunnelService + "/" + family
}

// dnsServices are the services whose DNS is set: the primary one, and the
// tunnel's service when it is published to become primary (its IPv4 or
// IPv6 dictionary holds OverridePrimary) but configd has not switched yet.
// configd makes it primary asynchronously, so without it the first set
// lands on the LAN's service alone and the system then has no DNS of ours
// until the primary-service notification re-asserts.
func dnsServices(primary, tunnel4, tunnel6 string) []string {
	var svcs []string
	if primary != "" {
		svcs = append(svcs, primary)
	}
	if primary == TunnelService {
		return svcs
	}
	for _, out := range []string{tunnel4, tunnel6} {
		entries, _ := parseScutilDict(out)
		if slices.ContainsFunc(entries, func(e scutilEntry) bool { return e.Name == "OverridePrimary" }) {
			return append(svcs, TunnelService)
		}
	}
	return svcs
}

// serviceDNSKeys decides which keys get our DNS: the keys of svcs (the
// primary and the published tunnel, dnsServices: State:, plus Setup: where
// it exists), then every other service's DNS key in the store (existing,
// as scutil lists them), State: and Setup: alike. configd keeps a scoped
// resolver per service, so with the primary's alone a query an app scopes
// to another interface (en0 beside a primary Ethernet, or the LAN's
// service once the tunnel is primary) went to that service's own servers,
// past the tunnel when the kill switch is off. Mullvad's macOS DNS monitor
// (talpid-dns) sets every State: and Setup: service DNS key, wg-quick's
// darwin.bash every network service through networksetup.
func serviceDNSKeys(svcs, existing []string) []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, svc := range svcs {
		for _, k := range dnsKeys(svc, slices.Contains(existing, setupDNSKey(svc))) {
			add(k)
		}
	}
	for _, k := range slices.Sorted(slices.Values(existing)) {
		if serviceDNSKeyRe.MatchString(k) {
			add(k)
		}
	}
	return keys
}

// dnsKeys are the keys that decide a service's DNS: the State: key that
// configd fills from DHCP/RA, and the Setup: key when the user set DNS by
// hand (it overrides State:, so it must be ours too).
func dnsKeys(svc string, hasSetup bool) []string {
	keys := []string{"State:/Network/Service/" + svc + "/DNS"}
	if hasSetup {
		keys = append(keys, setupDNSKey(svc))
	}
	return keys
}

// dnsUpdate decides, from the keys' current dictionaries, which keys to set
// to ours and what the backup must then hold. A key already ours is left
// alone. Any other dictionary is the original to restore later: it goes
// into the backup when the key has none yet, and replaces the backup when
// the system rewrote the key since we set it (a DHCP renewal, the user
// editing DNS), so the backup stays current, as Mullvad keeps it. keys
// hold every service DNS key in the store (serviceDNSKeys), so a backed-up
// key no longer among them is gone (its service went down or was
// deleted): its original is forgotten, or a restore would bring back DNS
// for a service that is not there.
func dnsUpdate(keys []string, current map[string][]scutilEntry, backup scutilBackup, ours []scutilEntry) ([]string, scutilBackup) {
	next := scutilBackup{}
	for k, v := range backup {
		if slices.Contains(keys, k) {
			next[k] = v
		}
	}
	var set []string
	for _, k := range keys {
		cur := current[k]
		if sameServers(cur, ours) {
			continue
		}
		next[k] = cur
		set = append(set, k)
	}
	return set, next
}

// restorable tells whether a key holding entries now is put back at
// restore: only while it still holds our resolver (ours, when the manager
// knows it, or the resolver's fixed addresses, which is all a restart
// after a crash knows). A key the system rewrote since (a DHCP renewal
// after our last set, a fresh lease after a reboot) holds the system's
// current choice, which an older backup must not replace.
func restorable(entries, ours []scutilEntry) bool {
	if ours != nil && sameServers(entries, ours) {
		return true
	}
	addrs := serverAddresses(entries)
	return len(addrs) > 0 && !slices.ContainsFunc(addrs, func(a netip.Addr) bool {
		a = a.WithZone("")
		return a != LoopbackIPv4 && a != LoopbackIPv6
	})
}

// sameServers compares the ServerAddresses of two dictionaries; configd may
// add other properties to a dictionary we set.
func sameServers(a, b []scutilEntry) bool {
	find := func(es []scutilEntry) []string {
		for _, e := range es {
			if e.Name == "ServerAddresses" {
				return e.Values
			}
		}
		return nil
	}
	sa, sb := find(a), find(b)
	return len(sa) > 0 && slices.Equal(sa, sb)
}

// parseScutilDict parses scutil's `show` output into its top-level string and
// array properties. Nested dictionaries cannot be recreated with d.add and do
// not occur in DNS keys, so they are skipped. "No such key" yields ok=false.
func parseScutilDict(out string) (entries []scutilEntry, ok bool) {
	if !strings.Contains(out, "<dictionary> {") {
		return nil, false
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	depth := 0
	var cur *scutilEntry
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasSuffix(strings.TrimSpace(line), "<dictionary> {"):
			depth++
		case strings.TrimSpace(line) == "}":
			if cur != nil && depth == 1 {
				entries = append(entries, *cur)
				cur = nil
			} else {
				depth--
			}
		case depth == 1 && cur == nil && arrayRe.MatchString(line):
			cur = &scutilEntry{Name: arrayRe.FindStringSubmatch(line)[1], Array: true}
		case depth == 1 && cur != nil && elemRe.MatchString(line):
			cur.Values = append(cur.Values, elemRe.FindStringSubmatch(line)[1])
		case depth == 1 && cur == nil && scalarRe.MatchString(line):
			m := scalarRe.FindStringSubmatch(line)
			entries = append(entries, scutilEntry{Name: m[1], Values: []string{m[2]}})
		}
	}
	return entries, true
}

// scutilSetScript is the scutil input that sets key to a dictionary of entries.
func scutilSetScript(key string, entries []scutilEntry) string {
	var b strings.Builder
	b.WriteString("d.init\n")
	for _, e := range entries {
		if e.Array {
			fmt.Fprintf(&b, "d.add %s * %s\n", e.Name, quoteAll(e.Values))
		} else if len(e.Values) == 1 {
			fmt.Fprintf(&b, "d.add %s %s\n", e.Name, quote(e.Values[0]))
		}
	}
	fmt.Fprintf(&b, "set %s\n", key)
	return b.String()
}

// dnsEntries is the DNS dictionary Palisade installs; the link-local server
// carries the loopback scope, or macOS would look for it on the LAN.
func dnsEntries(cfg Config, loopback string) []scutilEntry {
	servers := scutilEntry{Name: "ServerAddresses", Array: true}
	for _, s := range cfg.Servers {
		servers.Values = append(servers.Values, withZone(s, loopback).String())
	}
	entries := []scutilEntry{servers}
	if len(cfg.Domains) > 0 {
		entries = append(entries, scutilEntry{Name: "SearchDomains", Values: cfg.Domains, Array: true})
	}
	return entries
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	return strings.Join(q, " ")
}

// quote protects values with spaces or quotes; scutil splits its input on
// whitespace and honours double quotes.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"\\") {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// serverAddresses returns the ServerAddresses of a DNS dictionary.
func serverAddresses(entries []scutilEntry) []netip.Addr {
	var out []netip.Addr
	for _, e := range entries {
		if e.Name != "ServerAddresses" {
			continue
		}
		for _, v := range e.Values {
			if a, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}

// journaledServers returns the original servers from the scutil journal,
// which holds every service's DNS (serviceDNSKeys): per service, those the
// user set (Setup:) win over those DHCP supplied (State:), as they do in
// macOS itself; services that were up when journaled (a State: key) come
// before those known only by their manual servers, duplicates once.
func journaledServers(journal map[string][]scutilEntry) []netip.Addr {
	type service struct {
		state, setup []netip.Addr
		up           bool
	}
	byID := map[string]*service{}
	for k, entries := range journal {
		m := serviceDNSKeyRe.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		svc := byID[m[2]]
		if svc == nil {
			svc = &service{}
			byID[m[2]] = svc
		}
		if m[1] == "Setup" {
			svc.setup = serverAddresses(entries)
		} else {
			svc.state, svc.up = serverAddresses(entries), true
		}
	}
	var out []netip.Addr
	for _, up := range []bool{true, false} {
		for _, id := range slices.Sorted(maps.Keys(byID)) {
			svc := byID[id]
			if svc.up != up {
				continue
			}
			servers := svc.setup
			if len(servers) == 0 {
				servers = svc.state
			}
			for _, a := range servers {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	return out
}
