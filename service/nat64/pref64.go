package nat64

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// OptPREF64 is the type of the router advertisement option that carries a
// NAT64 prefix (RFC 8781).
const OptPREF64 = 38

// pref64Len is the option's size: the RFC fixes its length field at 2
// (units of 8 octets) and tells receivers to ignore any other.
const pref64Len = 16

// plcBits maps the option's prefix length code to the length (RFC 8781
// section 4); codes 6 and 7 are not assigned.
var plcBits = [...]int{96, 64, 56, 48, 40, 32}

// PREF64 is one parsed PREF64 option: the prefix and how long the router
// vouches for it. A zero lifetime withdraws the prefix.
type PREF64 struct {
	Prefix   netip.Prefix
	Lifetime time.Duration
}

// ParsePREF64 parses one PREF64 option, type and length octets included.
// The scaled lifetime counts units of 8 seconds (RFC 8781 section 4); bits
// of the 96 carried beyond the prefix length are ignored, as the RFC asks.
func ParsePREF64(opt []byte) (PREF64, error) {
	if len(opt) < 2 || opt[0] != OptPREF64 {
		return PREF64{}, errors.New("PREF64: not a PREF64 option")
	}
	if int(opt[1])*8 != pref64Len || len(opt) < pref64Len {
		return PREF64{}, fmt.Errorf("PREF64: length %d (of %d octets), want 2", opt[1], len(opt))
	}
	word := binary.BigEndian.Uint16(opt[2:4])
	plc := int(word & 7)
	if plc >= len(plcBits) {
		return PREF64{}, fmt.Errorf("PREF64: prefix length code %d is not assigned", plc)
	}
	var b [16]byte
	copy(b[:12], opt[4:16])
	p := netip.PrefixFrom(netip.AddrFrom16(b), plcBits[plc]).Masked()
	if err := ValidPrefix(p); err != nil {
		return PREF64{}, fmt.Errorf("PREF64: %w", err)
	}
	return PREF64{Prefix: p, Lifetime: time.Duration(word>>3) * 8 * time.Second}, nil
}

// Router is an IPv6 default router: the interface and the next hop of a
// default route.
type Router struct {
	Interface string
	Addr      netip.Addr
}

// Announced is a prefix a router announced, and when it expires.
type Announced struct {
	Router
	Prefix  netip.Prefix
	Expires time.Time
	// Held marks a prefix read from a list the OS keeps (Hold): macOS
	// fills it from a router advertisement's PREF64 or from its own
	// RFC 7050 discovery and does not say which, so the log must not
	// claim a router advertisement.
	Held bool
}

// Table keeps the PREF64 prefixes routers announced, per interface and
// router, until their lifetime ends. It is safe for concurrent use.
type Table struct {
	mu      sync.Mutex
	entries []Announced
}

// Learn records p as announced by r at now; a zero lifetime withdraws it.
// It reports whether the set of prefixes changed (a refreshed lifetime is
// no change).
func (t *Table) Learn(r Router, p PREF64, now time.Time) bool {
	return t.learn(r, p, now, false)
}

func (t *Table) learn(r Router, p PREF64, now time.Time, held bool) bool {
	r.Addr = r.Addr.WithZone("")
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.entries, func(e Announced) bool { return e.Router == r && e.Prefix == p.Prefix })
	switch {
	case p.Lifetime <= 0 && i < 0:
		return false
	case p.Lifetime <= 0:
		t.entries = slices.Delete(t.entries, i, i+1)
		return true
	case i >= 0:
		t.entries[i].Expires = now.Add(p.Lifetime)
		t.entries[i].Held = held
		return false
	}
	t.entries = append(t.entries, Announced{Router: r, Prefix: p.Prefix, Expires: now.Add(p.Lifetime), Held: held})
	return true
}

// HeldLifetime is how long a prefix read from a list the OS keeps itself
// (Hold) counts: the longest a PREF64 option can vouch for (RFC 8781),
// renewed at every read, since such a list carries no lifetimes.
const HeldLifetime = 65528 * time.Second

// Hold records that r announces exactly prefixes now, for an OS that keeps
// the list itself and gives it whole (macOS holds each interface's list in
// the kernel, and its own daemons withdraw a prefix that runs out): any
// prefix r announced before and not now is withdrawn, the others are
// learned for HeldLifetime. It reports whether the set of prefixes changed.
func (t *Table) Hold(r Router, prefixes []netip.Prefix, now time.Time) bool {
	t.mu.Lock()
	var gone []netip.Prefix
	for _, e := range t.entries {
		if e.Router == (Router{Interface: r.Interface, Addr: r.Addr.WithZone("")}) && !slices.Contains(prefixes, e.Prefix) {
			gone = append(gone, e.Prefix)
		}
	}
	t.mu.Unlock()
	changed := false
	for _, p := range gone {
		changed = t.learn(r, PREF64{Prefix: p}, now, true) || changed
	}
	for _, p := range prefixes {
		changed = t.learn(r, PREF64{Prefix: p, Lifetime: HeldLifetime}, now, true) || changed
	}
	return changed
}

// Usable returns the prefixes that routers still announce and that can be
// used now: unexpired, from a router that is one of routers (the host's
// IPv6 default routers: a prefix from a network the host left, or from a
// router it no longer routes through, is not), the longest-lasting first
// (when a network renumbers its NAT64, the old prefix is announced with a
// lifetime running out). Expired entries are forgotten.
func (t *Table) Usable(routers []Router, now time.Time) []Announced {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = slices.DeleteFunc(t.entries, func(e Announced) bool { return !now.Before(e.Expires) })
	var out []Announced
	for _, e := range t.entries {
		if slices.ContainsFunc(routers, func(r Router) bool { return r.Interface == e.Interface && r.Addr.WithZone("") == e.Addr }) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Announced) int { return b.Expires.Compare(a.Expires) })
	var seen []netip.Prefix
	return slices.DeleteFunc(out, func(e Announced) bool {
		dup := slices.Contains(seen, e.Prefix)
		seen = append(seen, e.Prefix)
		return dup
	})
}

// Expiry returns when the next entry held after now expires, so that a
// watcher can re-decide then; zero when nothing is held. Expired entries
// are forgotten.
func (t *Table) Expiry(now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = slices.DeleteFunc(t.entries, func(e Announced) bool { return !now.Before(e.Expires) })
	var first time.Time
	for _, e := range t.entries {
		if first.IsZero() || e.Expires.Before(first) {
			first = e.Expires
		}
	}
	return first
}
