// Package selfcheck decides, OS-free, whether the live system does what the
// service set up: the routes of both families, the endpoint's way out, the
// firewall, system DNS and (optionally) what the outside sees. The service
// gathers the facts per OS (Facts); Evaluate turns them into one verdict
// and one sentence per item.
package selfcheck

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

// Probes are the public addresses whose routes the check asks the kernel
// for: Cloudflare's resolvers, addresses every network routes like any
// other public destination. No packet is sent to them.
var (
	Probe4 = netip.MustParseAddr("1.1.1.1")
	Probe6 = netip.MustParseAddr("2606:4700:4700::1111")
)

// Expect is what the service set up, read from its own state.
type Expect struct {
	// Tunnel is the tunnel interface; empty when no tunnel is up.
	Tunnel string
	// Full4 and Full6 tell that the tunnel carries all of a family;
	// Block6 (Block4) that the other family's off-link traffic is made
	// unreachable instead, because the tunnel carries none of it.
	Full4, Full6, Block4, Block6 bool
	// HostIPv6 is false on hosts without IPv6.
	HostIPv6 bool
	// DNS is true when the service pointed the system at its resolver.
	DNS       bool
	Resolvers []netip.Addr
	// DNSManager names how system DNS was changed ("file",
	// "systemd-resolved", ...).
	DNSManager string
	// Firewall is true when the current policy installs rules; Engaged
	// when it is the kill switch (rather than only a family block).
	Firewall, Engaged bool
	// Outside asks for the outside test at URL.
	Outside bool
	URL     string
}

// Hop is where the kernel would send a packet.
type Hop struct {
	// Interface is the outgoing interface; empty when Reject.
	Interface string
	Gateway   netip.Addr
	// Reject means no way out: an unreachable, prohibit or blackhole
	// route, or no route at all.
	Reject bool
	// Err is a failed lookup (not "no route", which is Reject).
	Err error
}

// Installed is what the firewall backend found of its own rules.
type Installed struct {
	// Present tells that the table (anchor, provider) exists.
	Present bool
	// Rules is how many rules it holds, Want how many the backend
	// installed for the current policy.
	Rules, Want int
	// Unmetered counts rules without a packet counter; Palisade's own
	// rules all carry one, so these were added by someone else.
	Unmetered int
	// Rejected counts packets the reject rules stopped so far.
	Rejected uint64
	// Changed tells that a rule differs from what the backend installed,
	// the count being the same or not.
	Changed bool
	// Current is false when the installed policy is not the one the
	// service computes for the present state.
	Current bool
	Err     error
}

// Answer is how one of the local resolver's addresses answered.
type Answer struct {
	Server netip.Addr
	// Rcode is the DNS response code; meaningful when Err is nil.
	Rcode int
	// ServFail is true when the resolver answered but its upstreams did
	// not (SERVFAIL).
	ServFail bool
	Err      error
}

// Seen is what the outside service saw for one family.
type Seen struct {
	Addr netip.Addr
	Err  error
}

// TimeoutError is the error of a probe that did not answer within its
// bound (a hung D-Bus, a netlink or firewall read that never returns). The
// item it decides is reported as timed out: not verified, rather than
// failed or passed.
type TimeoutError struct {
	// What names the probe, After its bound.
	What  string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s", e.What, e.After)
}

// Facts are what the check read from the live system.
type Facts struct {
	Route4, Route6 Hop
	// Endpoints are the routes of the WireGuard socket's own packets, by
	// endpoint address.
	Endpoints map[netip.Addr]Hop
	Firewall  Installed
	// SystemDNS are the name servers the system uses now; SystemDNSErr a
	// failure reading them.
	SystemDNS    []netip.Addr
	SystemDNSErr error
	// ViaResolved tells that the system asks systemd-resolved's stub;
	// SystemDNS then holds the servers resolved sends every name to.
	ViaResolved bool
	Answers     []Answer
	// Outside4 and Outside6 are the outside test's results, OwnAddrs this
	// machine's addresses on its physical interfaces.
	Outside4, Outside6 Seen
	OwnAddrs           []netip.Addr
}

// Evaluate turns expectation and facts into the report's items, in a fixed
// order.
func Evaluate(e Expect, f Facts) []ipc.CheckItem {
	items := []ipc.CheckItem{
		route(e, f.Route4, false),
		route(e, f.Route6, true),
		endpoint(e, f.Endpoints),
		firewallItem(e, f.Firewall),
		dnsItem(e, f),
	}
	return append(items, outside(e, f, false), outside(e, f, true))
}

func item(id, title string, st ipc.CheckStatus, format string, args ...any) ipc.CheckItem {
	return ipc.CheckItem{ID: id, Title: title, Status: st, Detail: fmt.Sprintf(format, args...)}
}

// unread is the item of a probe that failed with err: timed out when the
// probe did not answer within its bound, else st. The sentence ends with
// the error.
func unread(id, title string, st ipc.CheckStatus, err error, format string, args ...any) ipc.CheckItem {
	var te *TimeoutError
	if errors.As(err, &te) {
		st = ipc.CheckTimeout
	}
	return item(id, title, st, format+": %v.", append(args, err)...)
}

func fam(v6 bool) (name string, probe netip.Addr) {
	if v6 {
		return "IPv6", Probe6
	}
	return "IPv4", Probe4
}

// where says in words where a hop goes.
func (h Hop) where() string {
	if h.Gateway.IsValid() {
		return fmt.Sprintf("%s via %s", h.Interface, h.Gateway)
	}
	return h.Interface
}

func route(e Expect, h Hop, v6 bool) ipc.CheckItem {
	name, probe := fam(v6)
	id, title := ipc.CheckRoute4, "IPv4 route"
	full := e.Full4
	if v6 {
		id, title, full = ipc.CheckRoute6, "IPv6 route", e.Full6
	}
	block := (v6 && e.Block6) || (!v6 && e.Block4)
	switch {
	case e.Tunnel == "":
		return item(id, title, ipc.CheckSkip, "Not connected: public %s takes the system's own route.", name)
	case h.Err != nil:
		return unread(id, title, ipc.CheckFail, h.Err, "The kernel's route to %s could not be read", probe)
	case v6 && !e.HostIPv6:
		return item(id, title, ipc.CheckOK, "This machine has IPv6 turned off, so nothing can leak over IPv6.")
	case full && h.Interface == e.Tunnel:
		return item(id, title, ipc.CheckOK, "Public %s (%s) goes through the tunnel (%s).", name, probe, e.Tunnel)
	case full && h.Reject:
		return item(id, title, ipc.CheckFail, "Public %s (%s) has no way out although the tunnel should carry it.", name, probe)
	case full:
		return item(id, title, ipc.CheckFail, "Public %s (%s) would leave through %s, outside the tunnel: a leak.", name, probe, h.where())
	case block && h.Reject:
		return item(id, title, ipc.CheckOK, "Public %s is blocked (unreachable) because the tunnel carries no %s, so nothing prefers a leaking %s path.", name, name, name)
	case block:
		return item(id, title, ipc.CheckFail, "Public %s (%s) would leave through %s although it should be blocked (the tunnel carries no %s): a leak.", name, probe, h.where(), name)
	case h.Reject:
		return item(id, title, ipc.CheckOK, "Public %s has no route on this network; this profile does not tunnel it.", name)
	case h.Interface == e.Tunnel:
		return item(id, title, ipc.CheckOK, "Public %s (%s) goes through the tunnel (%s) by this profile's split routes.", name, probe, e.Tunnel)
	}
	return item(id, title, ipc.CheckOK, "Public %s goes out %s, outside the tunnel, as this split-tunnel profile asks.", name, h.where())
}

func endpoint(e Expect, eps map[netip.Addr]Hop) ipc.CheckItem {
	const id, title = ipc.CheckEndpoint, "Endpoint route"
	if e.Tunnel == "" || len(eps) == 0 {
		return item(id, title, ipc.CheckSkip, "Not connected: there is no endpoint to reach.")
	}
	addrs := make([]netip.Addr, 0, len(eps))
	for a := range eps {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var ok []string
	for _, a := range addrs {
		h := eps[a]
		switch {
		case h.Err != nil:
			return unread(id, title, ipc.CheckFail, h.Err, "The route to the endpoint %s could not be read", a)
		case h.Reject:
			return item(id, title, ipc.CheckFail, "The endpoint %s is unreachable from the tunnel's own socket, so the tunnel cannot carry anything.", a)
		case h.Interface == e.Tunnel:
			return item(id, title, ipc.CheckFail, "The tunnel's packets to its endpoint %s would go into the tunnel itself (a routing loop).", a)
		}
		ok = append(ok, fmt.Sprintf("%s through %s", a, h.where()))
	}
	return item(id, title, ipc.CheckOK, "The endpoint is reached outside the tunnel: %s.", strings.Join(ok, "; "))
}

func firewallItem(e Expect, in Installed) ipc.CheckItem {
	const id, title = ipc.CheckFirewall, "Firewall"
	what := "the kill switch"
	if !e.Engaged {
		what = "the family block"
	}
	switch {
	case in.Err != nil:
		return unread(id, title, ipc.CheckFail, in.Err, "The firewall rules could not be read")
	case !e.Firewall && in.Present && in.Rules > 0:
		return item(id, title, ipc.CheckWarn, "Palisade's firewall table still holds %d rules although none are needed now.", in.Rules)
	case !e.Firewall:
		return item(id, title, ipc.CheckOK, "No firewall rules are needed now (kill switch not engaged, nothing to block).")
	case !in.Present:
		return item(id, title, ipc.CheckFail, "Palisade's firewall table is missing, so %s is not in force.", what)
	case !in.Current:
		return item(id, title, ipc.CheckFail, "The installed firewall rules are not the ones the service computes for the present state.")
	case in.Rules != in.Want:
		return item(id, title, ipc.CheckFail, "The firewall table holds %d rules where the service installed %d: something else changed it.", in.Rules, in.Want)
	case in.Changed:
		return item(id, title, ipc.CheckFail, "The firewall rules differ from those the service installed: something else changed them.")
	case in.Unmetered > 0:
		return item(id, title, ipc.CheckFail, "The firewall table holds %d rules without counters, which Palisade never installs: something else added them.", in.Unmetered)
	}
	return item(id, title, ipc.CheckOK, "The firewall holds the %d rules of %s as installed; they stopped %d packets so far.", in.Rules, what, in.Rejected)
}

func dnsItem(e Expect, f Facts) ipc.CheckItem {
	const id, title = ipc.CheckDNS, "DNS"
	switch {
	case e.Tunnel == "":
		return item(id, title, ipc.CheckSkip, "Not connected: the system's own DNS is in use.")
	case !e.DNS:
		return item(id, title, ipc.CheckSkip, "System DNS is left alone (DNS mode \"existing\", or the profile has no DNS servers).")
	case f.SystemDNSErr != nil:
		return unread(id, title, ipc.CheckFail, f.SystemDNSErr, "System DNS could not be confirmed")
	}
	var foreign []string
	ours := false
	for _, s := range f.SystemDNS {
		if slices.ContainsFunc(e.Resolvers, func(r netip.Addr) bool { return r.WithZone("") == s.WithZone("") }) {
			ours = true
		} else {
			foreign = append(foreign, s.String())
		}
	}
	switch {
	case !ours:
		return item(id, title, ipc.CheckFail, "System DNS points at %s, not at the local resolver %s: lookups bypass the tunnel's DNS.", list(f.SystemDNS), list(e.Resolvers))
	case len(foreign) > 0:
		return item(id, title, ipc.CheckFail, "System DNS also lists %s beside the local resolver: lookups may bypass it.", strings.Join(foreign, ", "))
	}
	var servfail []string
	for _, a := range f.Answers {
		switch {
		case a.Err != nil:
			return unread(id, title, ipc.CheckFail, a.Err, "The local resolver at %s does not answer", a.Server)
		case a.ServFail:
			servfail = append(servfail, a.Server.String())
		}
	}
	if len(f.Answers) == 0 {
		return item(id, title, ipc.CheckFail, "The local resolver has no address to ask.")
	}
	via := "System DNS points at the local resolver"
	if f.ViaResolved {
		via = "System DNS goes through systemd-resolved, which the service pointed at the local resolver"
	}
	if len(servfail) > 0 {
		return item(id, title, ipc.CheckWarn, "%s, which answers, but its upstreams did not (SERVFAIL from %s).", via, strings.Join(servfail, ", "))
	}
	return item(id, title, ipc.CheckOK, "%s (%s) and it answers.", via, list(e.Resolvers))
}

func outside(e Expect, f Facts, v6 bool) ipc.CheckItem {
	name, _ := fam(v6)
	id, s, full := ipc.CheckOutside4, f.Outside4, e.Full4
	if v6 {
		id, s, full = ipc.CheckOutside6, f.Outside6, e.Full6
	}
	title := "Outside view (" + name + ")"
	switch {
	case !e.Outside:
		return item(id, title, ipc.CheckSkip, "Off: turn on the outside check in the settings to ask %s.", e.URL)
	case e.Tunnel == "":
		return item(id, title, ipc.CheckSkip, "Not connected: nothing to compare.")
	case s.Err == nil && slices.Contains(f.OwnAddrs, s.Addr):
		return item(id, title, ipc.CheckFail, "%s saw this machine's own address %s over %s: a leak.", e.URL, s.Addr, name)
	case s.Err == nil && !full:
		return item(id, title, ipc.CheckOK, "%s saw %s over %s, which this profile does not tunnel.", e.URL, s.Addr, name)
	case s.Err == nil:
		return item(id, title, ipc.CheckOK, "%s saw %s over %s, not one of this machine's own addresses.", e.URL, s.Addr, name)
	case full:
		return unread(id, title, ipc.CheckWarn, s.Err, "%s could not be asked over %s", e.URL, name)
	}
	return item(id, title, ipc.CheckOK, "%s cannot be reached over %s, which this profile does not tunnel: nothing leaks.", e.URL, name)
}

func list(as []netip.Addr) string {
	if len(as) == 0 {
		return "nothing"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
